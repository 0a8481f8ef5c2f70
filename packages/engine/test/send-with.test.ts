// The callback form of the sender (RequestSender.sendWith, issue 14: no promise per exchange) on virtual time with
// the in-memory registrar: records register and refresh through it as through promises, and an outcome handed over
// before sendWith returns (a local send failure) is handled after the dispatch that sent, like a promise's would be.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, hasCredentials, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a sender with sendWith", () => {
  it("registers (401, then 200) and refreshes with one transaction per refresh", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")], start: false });
    h.registrar.useCallbacks();
    let sends = 0;
    const sendWith = h.registrar.sendWith;
    h.registrar.sendWith = (request, done) => {
      sends++;
      sendWith?.(request, done);
    };
    await h.engine.start();
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 2);
    expect(sends).toBe(4); // each record: a REGISTER challenged, then one with credentials
    const from = h.events.length;
    // Both refresh (preemptive credentials: one transaction each) and are registered again.
    await h.until(() => (h?.events.slice(from).filter((e) => e.to === "REGISTERED_STATE").length ?? 0) >= 2);
    expect(sends).toBe(6);
    expect(h.registrar.sent).toHaveLength(6);
    expect(h.engine.counters().inFlight).toBe(0);
  });

  it("handles a failure reported before sendWith returns: the record errs, then registers again", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.useCallbacks();
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    let failures = 0;
    h.registrar.failSend = (req) =>
      hasCredentials(req.headers) && failures++ === 0 ? new Error("send EMSGSIZE 127.0.0.1:5070") : undefined;
    const from = h.events.length;
    const before = h.registrar.sent.length;
    await h.waitEvent((e) => e.to === "INTERNAL_ERROR_STATE", from);
    expect(h.registrar.sent).toHaveLength(before + 1);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE", from);
    const retry = h.registrar.sent.slice(before + 1).map((r) => hasCredentials(r.headers));
    expect(retry).toEqual([false, true]);
    expect(h.engine.counters().transportErrors).toBe(1);
    expect(h.engine.counters().inFlight).toBe(0);
  });
});
