/**
 * A registrar that does not answer (reg-timeout.xml): the REGISTER is retransmitted (T1 doubling, capped at T2) until
 * fr_timeout, the record goes to REGISTER_TIMEOUT_STATE with nothing more on the wire; then a registrar comes back on
 * the same port (reg-200-loop.xml) and the retry after the failure back-off (new Call-ID, CSeq 1) registers.
 * Timers are shortened: tm.fr_timeout 3 s, T1 250 ms, T2 1 s; failure_retry_interval 10 with timer_interval 10.
 */
import { afterAll, describe, expect, it } from "vitest";
import { cseq, SLACK_S, startRegistrar, startDaemon } from "./sipp-support.js";
import { type SippLoggedMessage, stopAllSipp } from "../support/sipp.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

const T = 10;
const F = 10;
const FR_TIMEOUT_S = 3;
const T1_MS = 250;
const T2_MS = 1000;

function received(msgs: SippLoggedMessage[]): SippLoggedMessage[] {
  return msgs.filter((m) => m.direction === "received" && m.method === "REGISTER");
}

describe("uacregd against SIPp: no answer", () => {
  it("retransmits until fr_timeout, shows REGISTER_TIMEOUT_STATE, and registers once the registrar is back", async (t) => {
    const silent = await startRegistrar({ scenario: "reg-timeout.xml", timeoutS: 60 }, t);
    const port = silent.port;
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${port}`, username: null, password: null })],
        registrant: { timer_interval: T, hash_size: 1, failure_retry_interval: F },
        tm: { fr_timeout: FR_TIMEOUT_S, T1_timer: T1_MS, T2_timer: T2_MS },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTER_TIMEOUT_STATE", 20_000);
    const timedOutAt = Date.now();
    expect(list[0]).toMatchObject({ state: "REGISTER_TIMEOUT_STATE", enabled: "yes", expires: 60 });
    // The destination is pinned only after a reply: none came.
    expect(list[0]).not.toHaveProperty("dst_IP");
    expect(list[0]).not.toHaveProperty("ip");
    // RT = t_fail + F − T.
    const rtMs = Date.parse(`${list[0]!.registration_t_out} UTC`);
    const sentMs = Date.parse(`${list[0]!.last_register_sent} UTC`);
    expect((rtMs - sentMs) / 1000).toBeGreaterThanOrEqual(FR_TIMEOUT_S + F - T - SLACK_S);
    expect((rtMs - sentMs) / 1000).toBeLessThanOrEqual(FR_TIMEOUT_S + F - T + SLACK_S);

    const silentRun = await silent.stop();
    const copies = received(silentRun.messages);
    // One transaction: the same request (branch, Call-ID, CSeq) sent 1 + n times, spaced T1, 2·T1, … capped at T2.
    // With T1 250 ms, T2 1 s, fr_timeout 3 s: sends at 0, 0.25, 0.75, 1.75, 2.75 s.
    expect(copies.length).toBeGreaterThanOrEqual(4);
    expect(copies.length).toBeLessThanOrEqual(6);
    for (const c of copies) {
      expect(c.header("Via")).toBe(copies[0]!.header("Via"));
      expect(c.header("Call-ID")).toBe(copies[0]!.header("Call-ID"));
      expect(cseq(c)).toBe(cseq(copies[0]!));
    }
    const gaps = copies.slice(1).map((c, i) => c.time - copies[i]!.time);
    expect(gaps[0]).toBeGreaterThanOrEqual(T1_MS - 100);
    expect(gaps[0]).toBeLessThanOrEqual(T1_MS + 300);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * T1_MS - 100);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(T2_MS + 300);
    // Nothing is sent at the timeout itself: the last copy leaves before fr_timeout.
    const span = (copies.at(-1)!.time - copies[0]!.time) / 1000;
    expect(span).toBeLessThan(FR_TIMEOUT_S);
    // The timeout was seen about fr_timeout after the first send.
    expect((timedOutAt - copies[0]!.time) / 1000).toBeGreaterThanOrEqual(FR_TIMEOUT_S - 0.2);
    expect((timedOutAt - copies[0]!.time) / 1000).toBeLessThanOrEqual(FR_TIMEOUT_S + SLACK_S);

    // The registrar comes back on the same port.
    const back = await startRegistrar({ scenario: "reg-200-loop.xml", port, maxCalls: 5, timeoutS: 40 }, t);
    const after = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(after[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 60, dst_IP: "IPv4", ip: "127.0.0.1" });
    const backRun = await back.stop();
    const retry = received(backRun.messages)[0]!;
    expect(retry.header("Call-ID")).not.toBe(copies[0]!.header("Call-ID"));
    expect(retry.header("From")).not.toBe(copies[0]!.header("From"));
    expect(cseq(retry)).toBe(1);
    // The retry waits for the back-off: not before RT, at the first visit from then on (visits every T).
    expect(retry.time).toBeGreaterThanOrEqual(rtMs - SLACK_S * 1000);
    expect(retry.time).toBeLessThanOrEqual(rtMs + (T + SLACK_S) * 1000);
    await d.stop();
  });
});
