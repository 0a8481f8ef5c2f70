/**
 * The log lines an operator filters on (issue 12 "Observability", docs/observability.md "Logs"), read from a real
 * daemon's pino JSON output: a record the registrar refuses is one `warn` with its key, the reply code and reason, and
 * its retries add none; its recovery is one `info`; every MI action that changes something is one `info` line with
 * its key and outcome, and no password ever shows.
 */
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import { registrantRow, startUacregd, stopAllUacregd, type Uacregd } from "../support/uacregd.js";

const registrars: DemoRegistrar[] = [];
afterAll(async () => {
  await stopAllUacregd();
  for (const r of registrars) await r.close();
});

type Line = Record<string, unknown> & { level: number; msg: string };
const WARN = 40;
const INFO = 30;
const WRONG_PW = "Wrong-Pw-7731";
const RIGHT_PW = "Right-Pw-1187";

function lines(d: Uacregd): Line[] {
  return d.logs().flatMap((l) => {
    try {
      return [JSON.parse(l) as Line];
    } catch {
      return [];
    }
  });
}

/** Waits (polling the collected output) until `pred` holds for some line. */
async function waitLine(d: Uacregd, pred: (l: Line) => boolean, timeoutMs = 30_000): Promise<Line> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = lines(d).find(pred);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no such log line in ${timeoutMs} ms:\n${d.logs().join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("log levels an operator can filter on", () => {
  it("failure at warn once per transition, recovery at info, MI actions at info with their key", {
    timeout: 180_000,
  }, async () => {
    const registrar = await startDemoRegistrar({ users: { alice: "secret", bob: RIGHT_PW }, realm: "reg.test" });
    registrars.push(registrar);
    const REG = `sip:127.0.0.1:${registrar.port}`;
    const alice = registrantRow({ registrar: REG });
    const bob = registrantRow({
      registrar: REG,
      aor: "sip:bob@reg.test",
      username: "bob",
      password: WRONG_PW,
      binding_URI: "sip:bob@127.0.0.1:5098",
    });
    const bobKey = { aor: bob.aor, contact: bob.binding_URI, registrar: REG };
    const aliceKey = { aor: alice.aor, contact: alice.binding_URI, registrar: REG };
    const d = await startUacregd({ rows: [alice, bob], registrant: { failure_retry_interval: 1 } });

    const failed = await waitLine(d, (l) => l.msg === "registration failed" && l.aor === bob.aor);
    expect(failed).toMatchObject({
      level: WARN,
      ...bobKey,
      state: "WRONG_CREDENTIALS_STATE",
      previous: "NOT_REGISTERED_STATE",
      code: 401,
    });
    expect(String(failed.reason)).toMatch(/^401 /);
    await waitLine(d, (l) => l.msg === "state change" && l.aor === alice.aor && l.state === "REGISTERED_STATE");

    // Two more attempts (failure_retry_interval 1: at each visit of its bucket) fail the same way: no new warn line.
    const rejectedBefore = registrar.stats().rejected;
    await d.waitFor(() => registrar.stats().rejected >= rejectedBefore + 2, 60_000);
    await d.waitFor((rs) => rs.some((r) => r.AOR === bob.aor && r.state === "WRONG_CREDENTIALS_STATE"), 30_000);
    expect(lines(d).filter((l) => l.level >= WARN && l.aor === bob.aor)).toHaveLength(1);
    expect(lines(d).filter((l) => l.level >= WARN && l.aor === alice.aor)).toEqual([]);

    // The right password (reg_upsert): recovery at info, naming the failure it ends.
    await d.mi("reg_upsert", {
      aor: bob.aor,
      contact: bob.binding_URI,
      registrar: REG,
      proxy: "",
      third_party_registrant: "",
      username: "bob",
      password: RIGHT_PW,
      binding_params: "",
      expiry: 60,
      forced_socket: "",
      cluster_shtag: "",
      state: 0,
    });
    const recovered = await waitLine(d, (l) => l.msg === "registration recovered" && l.aor === bob.aor);
    expect(recovered).toMatchObject({
      level: INFO,
      ...bobKey,
      state: "REGISTERED_STATE",
      previous: "WRONG_CREDENTIALS_STATE",
      code: 200,
    });

    // Every MI action that changes something: one info line with its key and outcome; reads log nothing.
    await d.mi("reg_disable", aliceKey);
    await d.mi("reg_enable", aliceKey);
    await d.mi("reg_force_register", aliceKey);
    await d.mi("reg_reload");
    await d.mi("reg_delete", aliceKey);
    await d.mi("reg_disable", aliceKey).catch(() => undefined); // deleted: 404
    await d.mi("reg_list");
    await d.mi("reg_stats");
    const actions = lines(d).filter((l) => l.msg === "MI action");
    const summary = actions.map((l) => `${l.command} ${l.aor ?? "-"} ${l.outcome}${l.code ? ` ${l.code}` : ""}`);
    expect(summary).toEqual([
      "reg_upsert sip:bob@reg.test ok",
      "reg_disable sip:alice@reg.test ok",
      "reg_enable sip:alice@reg.test ok",
      "reg_force_register sip:alice@reg.test ok",
      "reg_reload - ok",
      "reg_delete sip:alice@reg.test ok",
      "reg_disable sip:alice@reg.test error 404",
    ]);
    for (const l of actions) expect(l.level).toBe(INFO);
    expect(actions[1]).toMatchObject({ ...aliceKey, via: "http" });

    const all = d.logs().join("\n");
    expect(all).not.toContain(WRONG_PW);
    expect(all).not.toContain(RIGHT_PW);
  });
});
