// A registrar that answers every REGISTER with 423 and Min-Expires one above the request (issue 10, item 3), on
// virtual time with the in-memory registrar: the re-sends are bounded per attempt, the record backs off, and MI
// disable in the middle of the exchange stops it. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, keyOf, openHarness, row } from "../src/test-support/engine-harness.js";
import type { ReceivedRegister, ScriptAnswer } from "../src/test-support/scripted-registrar.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alice = (h: Harness) => keyOf(h.registrar, "alice");

/** 423 with Min-Expires = W + 1; past `cap` requests it stops answering, so a test without the bound still ends. */
function tooBrief(cap = 30): (r: ReceivedRegister) => ScriptAnswer {
  let n = 0;
  return (r) =>
    ++n > cap
      ? "drop"
      : { status: 423, reason: "Interval Too Brief", headers: [["Min-Expires", String((r.expires ?? 0) + 1)]] };
}

describe("a registrar answering every REGISTER with 423, Min-Expires one above (docs/decisions.md)", () => {
  it("gets 2 re-sends per attempt, then the record is REGISTRAR_ERROR and waits the failure back-off", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")], start: false });
    h.registrar.script = tooBrief();
    await h.engine.start();
    const ev = await h.waitEvent((e) => e.to === "REGISTRAR_ERROR_STATE");
    expect(ev.from).toBe("REGISTERING_STATE");
    expect(h.registrar.received.map((r) => r.expires)).toEqual([60, 61, 62]);
    expect(new Set(h.registrar.received.map((r) => r.callId)).size).toBe(1);
    const view = h.engine.get(alice(h));
    expect(view?.stateName).toBe("REGISTRAR_ERROR_STATE");
    // F = 0: RT = t_fail + floor(E·P/100) − T = t + 60 − 10.
    expect(view?.registrationTimeout).toBe((view?.lastRegisterSent ?? 0) + 50);
    await h.advance(45);
    expect(h.registrar.received).toHaveLength(3);
    // Once RT has passed, one new attempt (new Call-ID), bounded the same way.
    await h.until(() => (h?.registrar.received.length ?? 0) > 3);
    await h.settle();
    expect(h.registrar.received).toHaveLength(6);
    expect(h.registrar.received[3]?.callId).not.toBe(h.registrar.received[0]?.callId);
  });

  it("MI disable in the middle of the exchange: no further REGISTER", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")], start: false });
    // Each REGISTER's first transmission is lost; its retransmission (T1 = 500 ms later) gets the 423.
    const seen = new Set<string>();
    const answer = tooBrief();
    h.registrar.script = (r) => {
      const id = `${r.callId} ${r.cseq}`;
      if (!seen.has(id)) {
        seen.add(id);
        return "drop";
      }
      return answer(r);
    };
    await h.engine.start();
    await h.until(() => (h?.registrar.received.length ?? 0) === 2); // the first 423 came, its re-send is in flight
    expect(h.engine.disable(alice(h))).toBe(true);
    await h.advance(120);
    // Only unREGISTERs (expires 0) may follow, one per failure back-off (the disabled record ends its binding).
    expect(h.registrar.received.filter((r) => r.expires !== 0).map((r) => r.expires)).toEqual([60, 61]);
    expect(h.registrar.received.filter((r) => r.expires === 0).length).toBeLessThanOrEqual(3);
    expect(h.engine.get(alice(h))?.enabled).toBe(false);
    expect(h.engine.get(alice(h))?.stateName).toBe("REGISTRAR_ERROR_STATE");
  });
});
