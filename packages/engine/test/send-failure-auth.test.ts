// A local send failure of the authenticated REGISTER (issue 10, item 4: EMSGSIZE for a REGISTER made too large by
// its credentials) on virtual time with the in-memory registrar: the cached challenge is dropped, so the next attempt
// goes out without it instead of failing the same way forever. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, hasCredentials, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a transport error for the authenticated REGISTER", () => {
  it("drops the cached challenge: the next attempt starts without credentials and registers", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    // The next authenticated REGISTER cannot leave (once).
    let failures = 0;
    h.registrar.failSend = (req) =>
      hasCredentials(req.headers) && failures++ === 0 ? new Error("send EMSGSIZE 127.0.0.1:5070") : undefined;
    const from = h.events.length;
    const before = h.registrar.sent.length;
    // The refresh (preemptive credentials from the cached challenge) is the first to fail.
    await h.waitEvent((e) => e.to === "INTERNAL_ERROR_STATE", from);
    expect(h.registrar.sent).toHaveLength(before + 1);
    expect(hasCredentials(h.registrar.sent[before]?.headers ?? "")).toBe(true);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE", from);
    // The retry after the back-off went out without the cached credentials, was challenged, and answered.
    const retry = h.registrar.sent.slice(before + 1).map((r) => hasCredentials(r.headers));
    expect(retry).toEqual([false, true]);
    expect(h.engine.counters().transportErrors).toBe(1);
  });
});
