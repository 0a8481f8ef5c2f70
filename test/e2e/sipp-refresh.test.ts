/**
 * Refresh timing and cost against a SIPp registrar (reg-refresh.xml): expiry 30 granted 30, timer_interval 10, so the
 * refresh must leave between E − 2T and E − T (10–20 s) after the 200 OK, on the same Call-ID with CSeq + 1. With
 * preemptive auth the refresh carries credentials for the cached nonce (nc + 1) and costs one transaction; without
 * it, the refresh is challenged again (two transactions), as OpenSIPS does.
 */
import { afterAll, describe, expect, it } from "vitest";
import { registers, cseq, sentResponses, SLACK_S, startRegistrar, startDaemon, type Diagnose } from "./sipp-support.js";
import { checkDigestResponse } from "../support/digest-check.js";
import { stopAllSipp } from "../support/sipp.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

const E = 30;
const T = 10;

/** `wanted` is the row's expiry (asked for on every REGISTER), the registrar grants E. */
async function runRefresh(t: Diagnose, preemptive: boolean, wanted = E, scenario = "reg-refresh.xml") {
  const sipp = await startRegistrar({ scenario, keys: { expires: E }, timeoutS: 60 }, t);
  const d = await startDaemon(
    {
      rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, expiry: wanted })],
      registrant: { timer_interval: T, hash_size: 1, preemptive_auth: preemptive },
    },
    t,
  );
  await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
  // SIPp ends the call (and exits, -m 1) once it has answered the refresh.
  const r = await sipp.waitExit(40_000);
  const list = await d.list();
  await d.stop();
  return { r, list, port: sipp.port };
}

describe.concurrent("uacregd against SIPp: refresh", () => {
  it("preemptive auth: the refresh leaves 10–20 s after the 200, same Call-ID, CSeq + 1, one transaction", async (t) => {
    const { r, list } = await runRefresh(t, true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.killed).toBe(false);
    const responses = sentResponses(r.messages);
    // 401 → 200 for the initial registration, then the refresh answered 200 at once: no 401 in between.
    expect(responses.map((m) => m.status)).toEqual([401, 200, 200]);
    const [first, second, refresh] = registers(r.messages);
    expect(refresh).toBeDefined();
    const ok = responses[1]!;
    const gap = (refresh!.time - ok.time) / 1000;
    expect(gap).toBeGreaterThanOrEqual(E - 2 * T - SLACK_S);
    expect(gap).toBeLessThanOrEqual(E - T + SLACK_S);
    expect(refresh!.header("Call-ID")).toBe(first!.header("Call-ID"));
    expect(refresh!.header("From")).toBe(first!.header("From"));
    expect(cseq(refresh!)).toBe(cseq(second!) + 1);
    expect(refresh!.header("Contact")).toBe(`<sip:alice@127.0.0.1:5099>;expires=${E}`);
    // Credentials on the first try: the cached nonce, counted up (nc 2), verified by SIPp and recomputed here.
    const auth = refresh!.header("Authorization");
    expect(auth).toBeDefined();
    const check = checkDigestResponse(auth!, { password: "secret" });
    expect(check.ok).toBe(true);
    const firstAuth = checkDigestResponse(second!.header("Authorization")!, { password: "secret" });
    expect(check.params.nonce).toBe(firstAuth.params.nonce);
    expect(check.params.nc).toBe("00000002");
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: E });
  });

  it("preemptive_auth false: the refresh goes out without credentials, 401, then authenticated (two transactions)", async (t) => {
    // The row asks for 20 s, the registrar grants 30: the window follows the granted E, the refresh still asks for W.
    const W = 20;
    const { r, list } = await runRefresh(t, false, W);
    expect(r.code, r.stderr).toBe(0);
    const responses = sentResponses(r.messages);
    expect(responses.map((m) => m.status)).toEqual([401, 200, 401, 200]);
    const regs = registers(r.messages);
    expect(regs).toHaveLength(4);
    const [first, second, refresh, refreshAuth] = regs;
    const gap = (refresh!.time - responses[1]!.time) / 1000;
    expect(gap).toBeGreaterThanOrEqual(E - 2 * T - SLACK_S);
    expect(gap).toBeLessThanOrEqual(E - T + SLACK_S);
    expect(refresh!.header("Authorization")).toBeUndefined();
    for (const m of [refresh!, refreshAuth!]) expect(m.header("Call-ID")).toBe(first!.header("Call-ID"));
    expect(cseq(refresh!)).toBe(cseq(second!) + 1);
    expect(cseq(refreshAuth!)).toBe(cseq(refresh!) + 1);
    for (const m of regs) expect(m.header("Contact")).toBe(`<sip:alice@127.0.0.1:5099>;expires=${W}`);
    const check = checkDigestResponse(refreshAuth!.header("Authorization")!, { password: "secret" });
    expect(check.ok).toBe(true);
    // The refresh's challenge had a new nonce and opaque: the retry answers that one.
    expect(check.params.nonce).toMatch(/^nref2a/);
    expect(check.params.opaque).toBe("opaque-ref2a");
    expect(check.params.nc).toBe("00000001");
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: E });
  });

  it("preemptive credentials refused (401, new nonce, not stale): the refresh falls back to the challenge → REGISTERED", async (t) => {
    const { r, list } = await runRefresh(t, true, E, "reg-refresh-rechallenge.xml");
    expect(r.code, r.stderr).toBe(0);
    expect(sentResponses(r.messages).map((m) => m.status)).toEqual([401, 200, 401, 200]);
    const regs = registers(r.messages);
    expect(regs).toHaveLength(4);
    const [, second, refresh, retry] = regs;
    // The refresh tried the cached nonce A; the registrar's new challenge is answered, not taken as wrong credentials.
    const tried = checkDigestResponse(refresh!.header("Authorization")!, { password: "secret" });
    expect(tried.params.nonce).toMatch(/^nrchA/);
    expect(tried.params.nc).toBe("00000002");
    const answered = checkDigestResponse(retry!.header("Authorization")!, { password: "secret" });
    expect(answered.ok).toBe(true);
    expect(answered.params.nonce).toMatch(/^nrchB/);
    expect(answered.params.nc).toBe("00000001");
    expect(cseq(refresh!)).toBe(cseq(second!) + 1);
    expect(cseq(retry!)).toBe(cseq(refresh!) + 1);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: E });
  });

  it("through a 407 proxy: the refresh carries Proxy-Authorization for the cached nonce (nc 2) on the first try", async (t) => {
    const proxy = await startRegistrar({ scenario: "reg-407-refresh.xml", keys: { expires: E }, timeoutS: 60 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: "sip:reg.test", proxy: `sip:127.0.0.1:${proxy.port}`, expiry: E })],
        registrant: { timer_interval: T, hash_size: 1 },
      },
      t,
    );
    await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 20_000);
    const r = await proxy.waitExit(40_000);
    expect(r.killed).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const [, second, refresh] = registers(r.messages);
    expect(refresh).toBeDefined();
    expect(refresh!.startLine).toBe("REGISTER sip:reg.test SIP/2.0");
    expect(refresh!.header("Authorization")).toBeUndefined();
    const first = checkDigestResponse(second!.header("Proxy-Authorization")!, { password: "secret" });
    const again = checkDigestResponse(refresh!.header("Proxy-Authorization")!, { password: "secret" });
    expect(again.ok).toBe(true);
    expect(again.params).toMatchObject({ realm: "proxy.test", uri: "sip:reg.test", nc: "00000002" });
    expect(again.params.nonce).toBe(first.params.nonce);
    const ok = sentResponses(r.messages)[1]!;
    const gap = (refresh!.time - ok.time) / 1000;
    expect(gap).toBeGreaterThanOrEqual(E - 2 * T - SLACK_S);
    expect(gap).toBeLessThanOrEqual(E - T + SLACK_S);
    expect((await d.list())[0]).toMatchObject({ state: "REGISTERED_STATE", expires: E });
    await d.stop();
  });
});
