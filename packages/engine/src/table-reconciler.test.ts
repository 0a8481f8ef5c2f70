import type { RegistrantConfig, RegistrantKey } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { type ReconcilePlan, rejectionLine, TableReconciler } from "./table-reconciler.js";
import { row } from "./test-support/registrant-rows.js";

const registrar = { uri: "sip:127.0.0.1:5070" };
const validation = { timerInterval: 10, defaultExpires: 3600 };
const keyOf = (user: string): RegistrantKey => ({
  aor: `sip:${user}@reg.test`,
  contact: `sip:${user}@127.0.0.1:5099`,
  registrar: registrar.uri,
});
const same = (a: RegistrantKey, b: RegistrantKey) =>
  a.aor === b.aor && a.contact === b.contact && a.registrar === b.registrar;

/** A "table" of named entries for the reconciler to look into: no engine, no I/O. */
function reconcile(table: string[], rows: ReturnType<typeof row>[], reload: boolean): ReconcilePlan<string> {
  const r = new TableReconciler<string>((key) => table.find((u) => same(keyOf(u), key)), validation);
  for (const x of rows) r.offer(x);
  return r.plan(reload ? table : undefined);
}
const aors = (configs: readonly RegistrantConfig[]) => configs.map((c) => c.aor);

describe("TableReconciler", () => {
  it("first load: every valid row is an insert, in row order", () => {
    const plan = reconcile([], [row(registrar, "alice"), row(registrar, "bob")], false);
    expect(aors(plan.configs)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    expect(plan.existing).toEqual([undefined, undefined]);
    expect(plan.remove).toEqual([]);
    expect(plan.rejected).toEqual([]);
  });

  it("reload: rows of keys in the table are reloads, new keys inserts, keys no row names are removed", () => {
    const plan = reconcile(["alice", "carol"], [row(registrar, "alice"), row(registrar, "bob")], true);
    expect(aors(plan.configs)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    expect(plan.existing).toEqual(["alice", undefined]);
    expect(plan.remove).toEqual(["carol"]);
  });

  it("a first load removes nothing", () => {
    expect(reconcile(["carol"], [row(registrar, "alice")], false).remove).toEqual([]);
  });

  it("rejects a row that does not validate, naming its key and column; on reload its record is kept", () => {
    const plan = reconcile(["alice"], [row(registrar, "alice", { expiry: 5 }), row(registrar, "bob")], true);
    expect(aors(plan.configs)).toEqual(["sip:bob@reg.test"]);
    expect(plan.rejected).toEqual([
      { key: expect.stringContaining("aor=sip:alice@reg.test"), field: "expiry", message: expect.any(String) },
    ]);
    expect(plan.remove).toEqual([]);
    expect(rejectionLine(plan.rejected[0] ?? { key: "", field: "", message: "" })).toMatch(
      /^registrant row refused: expiry: /,
    );
  });

  it("rejects a second row with the key of an earlier one, new or already in the table", () => {
    const rows = [row(registrar, "alice"), row(registrar, "alice"), row(registrar, "bob"), row(registrar, "bob")];
    const plan = reconcile(["bob"], rows, true);
    expect(aors(plan.configs)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    expect(plan.rejected.map((r) => [r.field, r.message])).toEqual([
      ["key", expect.stringContaining("duplicate")],
      ["key", expect.stringContaining("duplicate")],
    ]);
    expect(rejectionLine(plan.rejected[0] ?? { key: "", field: "", message: "" })).toContain(
      "duplicate of an earlier row",
    );
  });

  it("never puts a password in a rejection", () => {
    const plan = reconcile(
      [],
      [row(registrar, "alice", { registrar: "sip:user@127.0.0.1", password: "hunter2" })],
      false,
    );
    expect(JSON.stringify(plan.rejected)).not.toContain("hunter2");
  });

  it("rejects a row with a non-string key column as a row error, keyed by what it can read", () => {
    const bad = { ...row(registrar, "alice"), aor: 42 as unknown as string };
    const plan = reconcile([], [bad], false);
    expect(plan.rejected).toHaveLength(1);
    expect(plan.rejected[0]?.key).toContain("contact=sip:alice@127.0.0.1:5099");
  });
});
