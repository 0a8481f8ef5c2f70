import { describe, expect, it } from "vitest";
import { NonInviteClientTransaction } from "./non-invite-client-transaction.js";
import { DEFAULT_TIMERS, transactionTimers } from "./transaction-timers.js";

/** Runs the transaction on a simulated clock until `until`, returning the times of every action. */
function run(tx: NonInviteClientTransaction, until: number, onStep?: (now: number) => void) {
  const events: Array<[number, string]> = [];
  for (;;) {
    const d = tx.nextDeadline();
    if (d === undefined || d > until) break;
    onStep?.(d);
    const a = tx.onTimer(d);
    if (a !== "none") events.push([d, a]);
  }
  return events;
}

describe("non-INVITE client transaction over UDP (RFC 3261 §17.1.2.2)", () => {
  it("retransmits at T1, 2T1, 4T1 … capped at T2 and times out at fr_timeout (capture e: 10 copies)", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, false, 0);
    const events = run(tx, 60_000);
    const retransmits = events.filter(([, a]) => a === "retransmit").map(([t]) => t);
    expect(retransmits).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500]);
    expect(events.at(-1)).toEqual([30_000, "timeout"]);
    expect(tx.state).toBe("terminated");
    expect(tx.nextDeadline()).toBeUndefined();
  });

  it("with fr_timeout=5 sends 4 copies then times out at 5 s (capture e2)", () => {
    const tx = new NonInviteClientTransaction(transactionTimers({ frTimeoutS: 5 }), false, 1000);
    const events = run(tx, 100_000);
    expect(events).toEqual([
      [1500, "retransmit"],
      [2500, "retransmit"],
      [4500, "retransmit"],
      [6000, "timeout"],
    ]);
  });

  it("uses T2 for every interval once a provisional response arrived", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, false, 0);
    expect(tx.onTimer(500)).toBe("retransmit"); // next at 1500
    expect(tx.onResponse(100, 600)).toBe("provisional");
    expect(tx.state).toBe("proceeding");
    const events = run(tx, 14_000);
    expect(events.map(([t]) => t)).toEqual([1500, 5500, 9500, 13500]);
  });

  it("a final response completes it; retransmitted responses are absorbed until Timer K (T4) ends it", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, false, 0);
    expect(tx.onResponse(200, 700)).toBe("final");
    expect(tx.state).toBe("completed");
    expect(tx.nextDeadline()).toBe(5700);
    expect(tx.onTimer(5000)).toBe("none");
    expect(tx.onResponse(200, 5000)).toBe("absorb");
    expect(tx.onTimer(5700)).toBe("terminate");
    expect(tx.state).toBe("terminated");
    expect(tx.onResponse(200, 6000)).toBe("absorb");
  });

  it("does not retransmit after the final response", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, false, 0);
    tx.onResponse(401, 100);
    expect(run(tx, 60_000)).toEqual([[5100, "terminate"]]);
  });

  it("a transport error terminates it and is reported only while waiting", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, false, 0);
    expect(tx.onTransportError()).toBe(true);
    expect(tx.state).toBe("terminated");
    expect(tx.onTransportError()).toBe(false);
  });
});

describe("non-INVITE client transaction over TCP/TLS", () => {
  it("never retransmits and times out at Timer F", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, true, 0);
    expect(run(tx, 60_000)).toEqual([[30_000, "timeout"]]);
  });

  it("terminates at once on the final response (Timer K = 0)", () => {
    const tx = new NonInviteClientTransaction(DEFAULT_TIMERS, true, 0);
    expect(tx.onResponse(100, 10)).toBe("provisional");
    expect(tx.onResponse(200, 20)).toBe("final");
    expect(tx.state).toBe("terminated");
    expect(tx.nextDeadline()).toBeUndefined();
  });
});

describe("timer validation", () => {
  it("rejects T2 below T1 and non-positive values, naming the tm parameter", () => {
    expect(() => transactionTimers({ t1Ms: 500, t2Ms: 100 })).toThrow(/T2_timer/);
    expect(() => transactionTimers({ frTimeoutS: 0 })).toThrow(/fr_timeout/);
    expect(() => transactionTimers({ t1Ms: Number.NaN })).toThrow(/T1_timer/);
  });
});
