/**
 * uacregd against SIPp registrars that push back: 423 Interval Too Brief, 403 Forbidden (with the failure back-off
 * retry), the `Expires:` header fallback of a 200 whose Contact has no expires (capture i1), and a 200 without any
 * Contact (capture i2). Each case runs its own daemon and SIPp on OS-chosen loopback ports, concurrently.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  registers,
  cseq,
  fromTag,
  sentStatuses,
  ctimeMs,
  SLACK_S,
  AT_ONCE_MS,
  startRegistrar,
  startDaemon,
} from "./sipp-support.js";
import { stopAllSipp } from "../support/sipp.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

const T = 10;

const noAuth = { username: null, password: null } as const;

describe.concurrent("uacregd against SIPp: registrar errors", () => {
  it("423 → immediate re-send asking for Min-Expires on the same Call-ID → REGISTERED with expires = Min-Expires", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-423.xml", timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", enabled: "yes", expires: 600 });
    // RT = t_reply + 600 − T: about 590 s after the REGISTER went out.
    const rt = ctimeMs(list[0]!.registration_t_out) - ctimeMs(list[0]!.last_register_sent);
    expect(rt / 1000).toBeGreaterThanOrEqual(600 - T - SLACK_S);
    expect(rt / 1000).toBeLessThanOrEqual(600 - T + SLACK_S);

    const r = await sipp.waitExit(10_000);
    // 0: SIPp's check that the retry asked for 600 passed.
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([423, 200]);
    const [first, retry] = registers(r.messages);
    expect(first!.header("Contact")).toBe("<sip:alice@127.0.0.1:5099>;expires=60");
    expect(retry!.header("Contact")).toBe("<sip:alice@127.0.0.1:5099>;expires=600");
    expect(retry!.header("Call-ID")).toBe(first!.header("Call-ID"));
    expect(fromTag(retry!)).toBe(fromTag(first!));
    expect(cseq(retry!)).toBe(cseq(first!) + 1);
    expect(retry!.header("Authorization")).toBeUndefined();
    // Immediate: no wait for a timer visit.
    expect(retry!.time - first!.time).toBeLessThan(AT_ONCE_MS);
    await d.stop();
  });

  it("403 → REGISTRAR_ERROR_STATE; the retry after the back-off has a new Call-ID, new From tag, CSeq 1", async (t) => {
    // F = 20, T = 10: RT = t_fail + F − T, so the retry leaves at the first visit ≥ 10 s after the 403.
    const F = 20;
    const sipp = await startRegistrar({ scenario: "reg-403.xml", maxCalls: 2, timeoutS: 50 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })],
        registrant: { failure_retry_interval: F, timer_interval: T },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTRAR_ERROR_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTRAR_ERROR_STATE", enabled: "yes", expires: 60 });
    const rt = ctimeMs(list[0]!.registration_t_out) - ctimeMs(list[0]!.last_register_sent);
    expect(rt / 1000).toBeGreaterThanOrEqual(F - T - SLACK_S);
    expect(rt / 1000).toBeLessThanOrEqual(F - T + SLACK_S);

    const r = await sipp.waitExit(30_000);
    expect(r.killed).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([403, 403]);
    const [first, retry] = registers(r.messages);
    // No credentials were asked for, so none were sent; 403 is not retried with auth.
    expect(first!.header("Authorization")).toBeUndefined();
    expect(retry!.header("Call-ID")).not.toBe(first!.header("Call-ID"));
    expect(fromTag(retry!)).not.toBe(fromTag(first!));
    expect(cseq(first!)).toBe(1);
    expect(cseq(retry!)).toBe(1);
    const firstReply = r.messages.find((m) => m.direction === "sent" && m.status === 403)!;
    const gap = (retry!.time - firstReply.time) / 1000;
    expect(gap).toBeGreaterThanOrEqual(F - T - SLACK_S);
    expect(gap).toBeLessThanOrEqual(F + SLACK_S);
    expect((await d.list())[0]?.state).toBe("REGISTRAR_ERROR_STATE");
    await d.stop();
  });

  it("200 with a Contact without expires and an Expires header: the header's value is the granted expiry (i1)", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-expires-header.xml", keys: { expires: 90 }, timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 90 });
    const rt = ctimeMs(list[0]!.registration_t_out) - ctimeMs(list[0]!.last_register_sent);
    expect(rt / 1000).toBeGreaterThanOrEqual(90 - T - SLACK_S);
    expect(rt / 1000).toBeLessThanOrEqual(90 - T + SLACK_S);
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(registers(r.messages)[0]!.header("Contact")).toBe("<sip:alice@127.0.0.1:5099>;expires=60");
    await d.stop();
  });

  it("200 without any Contact: INTERNAL_ERROR_STATE, expires unchanged, and a retry with a new Call-ID (i2)", async (t) => {
    const F = 20;
    const sipp = await startRegistrar(
      {
        scenario: "reg-expires-only.xml",
        keys: { expires: 90 },
        maxCalls: 2,
        timeoutS: 50,
      },
      t,
    );
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, expiry: 30, ...noAuth })],
        registrant: { failure_retry_interval: F, timer_interval: T },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "INTERNAL_ERROR_STATE", 20_000);
    // The Expires header of a reply that does not list us grants nothing.
    expect(list[0]).toMatchObject({ state: "INTERNAL_ERROR_STATE", enabled: "yes", expires: 30 });
    const r = await sipp.waitExit(30_000);
    expect(r.killed).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const [first, retry] = registers(r.messages);
    expect(retry).toBeDefined();
    expect(retry!.header("Call-ID")).not.toBe(first!.header("Call-ID"));
    expect(cseq(retry!)).toBe(1);
    expect((await d.list())[0]).toMatchObject({ state: "INTERNAL_ERROR_STATE", expires: 30 });
    await d.stop();
  });

  it("100 Trying then 200: the provisional reply stops the T1 retransmissions, then REGISTERED", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-100-then-200.xml", keys: { expires: 60 }, timeoutS: 40 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })],
        tm: { fr_timeout: 5, T1_timer: 300, T2_timer: 4000 },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 60 });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    // RFC 3261 §17.1.2.2: Timer E (T1 = 300 ms) set in Trying still fires once in Proceeding, then is reset to T2
    // (4 s). Without the 100, copies would also have come at +0.9 and +2.1 s during SIPp's 2.5 s pause.
    const copies = r.messages.filter((m) => m.direction === "received" && m.method === "REGISTER");
    expect(copies).toHaveLength(2);
    // The copy is Timer E's (T1 = 300 ms), by SIPp's receive stamps, which a loaded machine delays by up to ~0.1 s
    // either way: not an immediate duplicate, and long before T2 (4 s).
    expect(copies[1]!.time - copies[0]!.time).toBeGreaterThanOrEqual(300 - 150);
    expect(copies[1]!.time - copies[0]!.time).toBeLessThanOrEqual(300 + 700);
    expect(copies[1]!.header("Via")).toBe(copies[0]!.header("Via"));
    await d.stop();
  });

  it('302 is INTERNAL_ERROR ("redirection not implemented", as OpenSIPS) with the back-off RT = t + E − T (OpenSIPS: none)', async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-302.xml", timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "INTERNAL_ERROR_STATE", 20_000);
    const rt = ctimeMs(list[0]!.registration_t_out) - ctimeMs(list[0]!.last_register_sent);
    // failure_retry_interval 0: the back-off is E − T = 50 s.
    expect(rt / 1000).toBeGreaterThanOrEqual(60 - T - SLACK_S);
    expect(rt / 1000).toBeLessThanOrEqual(60 - T + SLACK_S);
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(registers(r.messages)).toHaveLength(1);
    // No retry at the next visits (OpenSIPS retried a 3xx on every visit): still one request 12 s later.
    await new Promise((res) => setTimeout(res, 12_000));
    expect((await d.list())[0]).toMatchObject({
      state: "INTERNAL_ERROR_STATE",
      last_register_sent: list[0]!.last_register_sent,
    });
    await d.stop();
  });

  it("200 listing another binding first: the granted expiry is our binding's (RFC 3261 §19.1.4 match), not the header", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-two-contacts.xml", keys: { expires: 77 }, timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 77 });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    await d.stop();
  });

  it("200 in compact form (m:, l:) listing a display name with a comma first: our binding's expiry is granted", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-compact.xml", keys: { expires: 66 }, timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 66 });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    await d.stop();
  });
});
