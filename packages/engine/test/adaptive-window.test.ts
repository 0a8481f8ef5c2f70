// The adaptive in-flight window seen from outside (issue 10, item 14), on virtual time with the in-memory registrar:
// a start of many records does not open max_in_flight transactions to one registrar at once; a registrar that times
// out is sent less at once than max_in_flight. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import { INITIAL_WINDOW } from "../src/admission-queue.js";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const users = (n: number) => Array.from({ length: n }, (_, i) => `user${i}`);

describe("the adaptive window per registrar", () => {
  it("a start of 300 records opens the initial window first, not max_in_flight, and all register", async () => {
    h = await openHarness({
      rows: (r) => users(300).map((u) => row(r, u, { username: null, password: null })),
      registrar: { challenge: false },
      start: false,
    });
    // No reply until the first retransmission (T1): what is open at once is what the window let out.
    const seen = new Set<string>();
    h.registrar.script = (r) => {
      if (seen.has(r.callId)) return "default";
      seen.add(r.callId);
      return "drop";
    };
    await h.engine.start();
    await h.until(() => h?.registrar.open === INITIAL_WINDOW);
    expect(h.registrar.received).toHaveLength(INITIAL_WINDOW);
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 300);
    expect(h.registrar.maxOpen).toBeLessThan(300);
    expect(h.engine.counters().timeouts).toBe(0);
  });
});
