// The adaptive in-flight window seen from outside (issue 10, item 14), on virtual time with the in-memory registrar:
// a start of many records does not open max_in_flight transactions to one registrar at once; a registrar that times
// out, or answers only retransmitted copies, is sent less at once. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import { INITIAL_WINDOW, MIN_WINDOW } from "../src/admission-queue.js";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";

let current: Harness | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const users = (n: number) => Array.from({ length: n }, (_, i) => `user${i}`);

/**
 * 300 records against a registrar that loses the first copy of every request and answers its retransmission (T1
 * later), so no transaction times out. Returns, per first copy, how many transactions were open when it arrived.
 */
async function lossyStart(): Promise<{ h: Harness; openAtArrival: number[] }> {
  const harness = await openHarness({
    rows: (r) => users(300).map((u) => row(r, u, { username: null, password: null })),
    registrar: { challenge: false },
    start: false,
  });
  current = harness;
  const seen = new Set<string>();
  const openAtArrival: number[] = [];
  harness.registrar.script = (r) => {
    if (seen.has(r.callId)) return "default";
    seen.add(r.callId);
    openAtArrival.push(harness.registrar.open);
    return "drop";
  };
  await harness.engine.start();
  return { h: harness, openAtArrival };
}

describe("the adaptive window per registrar", () => {
  it("a start of 300 records opens the initial window first, not max_in_flight, and all register", async () => {
    const { h } = await lossyStart();
    // No reply until the first retransmission (T1): what is open at once is what the window let out.
    await h.until(() => h.registrar.open === INITIAL_WINDOW);
    expect(h.registrar.received).toHaveLength(INITIAL_WINDOW);
    await h.until(() => h.engine.stats().REGISTERED_STATE === 300);
    expect(h.registrar.maxOpen).toBeLessThan(300);
    expect(h.engine.counters().timeouts).toBe(0);
  });

  it("a registrar that answers only the second copy of each request shrinks the window: retransmissions are a congestion signal", async () => {
    const { h, openAtArrival } = await lossyStart();
    await h.until(() => h.engine.stats().REGISTERED_STATE === 300);
    expect(h.engine.counters().timeouts).toBe(0);
    // The initial window went out at once; every later request found at most the shrunk window open (without the
    // signal the answered window would have grown in slow start: 64, 128…).
    expect(h.registrar.maxOpen).toBe(INITIAL_WINDOW);
    expect(Math.max(...openAtArrival.slice(INITIAL_WINDOW))).toBeLessThanOrEqual(MIN_WINDOW);
  });
});
