import type { RegistrantKey, RegistrantRow } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { type Rejection, type RowDecision, rejectionLine, TableReconciler } from "./table-reconciler.js";
import { row } from "./test-support/registrant-rows.js";

const registrar = { uri: "sip:127.0.0.1:5070" };
const validation = { timerInterval: 10, defaultExpires: 3600 };
const userOf = (key: RegistrantKey) => /^sip:(\w+)@/.exec(key.aor)?.[1] ?? "";

/**
 * Runs rows through a reconciler over a "table" of user names, applying each decision as the engine does (an insert
 * adds the name and is adopted): no engine, no I/O.
 */
function reconcile(table: string[], rows: RegistrantRow[], reload: boolean, fresh = false) {
  const names = [...table];
  const r = new TableReconciler<string>((key) => names.find((u) => u === userOf(key)), validation, { fresh });
  const decisions: Array<RowDecision<string>> = [];
  for (const x of rows) {
    const d = r.offer(x);
    decisions.push(d);
    if (d.kind === "insert") {
      names.push(userOf(d.config.key));
      r.adopt(userOf(d.config.key));
    }
  }
  const kinds = decisions.map((d) => (d.kind === "reload" ? `reload ${d.entry}` : d.kind));
  return { kinds, gone: reload ? r.gone(table) : [], rejected: r.rejected, loaded: r.loaded };
}
const first = (rejected: readonly Rejection[]): Rejection => rejected[0] ?? { key: "", field: "", message: "" };

describe("TableReconciler", () => {
  it("first load: every valid row is an insert, in row order", () => {
    const out = reconcile([], [row(registrar, "alice"), row(registrar, "bob")], false);
    expect(out.kinds).toEqual(["insert", "insert"]);
    expect(out.loaded).toBe(2);
    expect(out.rejected).toEqual([]);
  });

  it("reload: rows of keys in the table are reloads, new keys inserts, keys no row names are gone", () => {
    const out = reconcile(["alice", "carol"], [row(registrar, "alice"), row(registrar, "bob")], true);
    expect(out.kinds).toEqual(["reload alice", "insert"]);
    expect(out.gone).toEqual(["carol"]);
  });

  it("rejects a row that does not validate, naming its key and column; on reload its record is kept", () => {
    const out = reconcile(["alice"], [row(registrar, "alice", { expiry: 5 }), row(registrar, "bob")], true);
    expect(out.kinds).toEqual(["rejected", "insert"]);
    expect(out.loaded).toBe(1);
    expect(out.rejected).toEqual([
      { key: expect.stringContaining("aor=sip:alice@reg.test"), field: "expiry", message: expect.any(String) },
    ]);
    expect(out.gone).toEqual([]);
    expect(rejectionLine(first(out.rejected))).toMatch(/^registrant row refused: expiry: /);
  });

  it("rejects a second row with the key of an earlier one, new or already in the table", () => {
    const rows = [row(registrar, "alice"), row(registrar, "alice"), row(registrar, "bob"), row(registrar, "bob")];
    const out = reconcile(["bob"], rows, true);
    expect(out.kinds).toEqual(["insert", "rejected", "reload bob", "rejected"]);
    expect(out.rejected.map((r) => [r.field, r.message])).toEqual([
      ["key", expect.stringContaining("duplicate")],
      ["key", expect.stringContaining("duplicate")],
    ]);
    expect(rejectionLine(first(out.rejected))).toContain("duplicate of an earlier row");
    expect(out.gone).toEqual([]);
  });

  it("a fresh load (empty table) decides every row as a tracked one does: duplicates and invalid rows rejected", () => {
    const rows = [
      row(registrar, "alice"),
      row(registrar, "alice"),
      row(registrar, "bob", { expiry: Number.NaN }),
      row(registrar, "bob"),
      row(registrar, "bob"),
    ];
    const tracked = reconcile([], rows, false);
    const fresh = reconcile([], rows, false, true);
    expect(fresh.kinds).toEqual(["insert", "rejected", "rejected", "insert", "rejected"]);
    expect(fresh).toEqual(tracked);
  });

  it("never puts a password in a rejection", () => {
    const bad = row(registrar, "alice", { registrar: "sip:user@127.0.0.1", password: "hunter2" });
    expect(JSON.stringify(reconcile([], [bad], false).rejected)).not.toContain("hunter2");
  });

  it("rejects a row with a non-string key column, keyed by what it can read", () => {
    const bad = { ...row(registrar, "alice"), aor: 42 as unknown as string };
    const out = reconcile([], [bad], false);
    expect(out.rejected).toHaveLength(1);
    expect(first(out.rejected).field).toBe("aor");
    expect(first(out.rejected).key).toContain("contact=sip:alice@127.0.0.1:5099");
  });
});
