import { describe, expect, it } from "vitest";
import { step } from "./registrant-machine.js";
import { refreshDeadline, retryDeadline } from "./registration-timing.js";
import { ok, reach, response } from "./test-support/registrant-driver.js";
import { context, sends } from "./test-support/registrant-fixtures.js";

/** docs/opensips-behaviour.md §3 formulas with T, E, P, F varied; checked through the machine, not just the functions. */
describe("refresh RT = t_reply + floor(E·P/100) − T, sent when now + T ≥ RT", () => {
  it.each([
    { T: 10, E: 60, P: 100, rt: 1050 },
    { T: 100, E: 3600, P: 100, rt: 4500 },
    { T: 100, E: 3600, P: 90, rt: 1000 + 3240 - 100 },
    { T: 30, E: 333, P: 33, rt: 1000 + 109 - 30 },
    { T: 10, E: 15, P: 50, rt: 1000 + 7 - 10 },
  ])("T=$T E=$E P=$P → RT $rt", ({ T, E, P, rt }) => {
    const ctx = context({ timerInterval: T, reregisterExpiryPercentage: P });
    const r = reach(1, ctx, { expiry: T + 1 });
    const registered = step(r, ok(r, E), 1000, ctx).record;
    expect(registered.registrationTimeout).toBe(rt);
    expect(refreshDeadline(1000, E, ctx.params)).toBe(rt);
    // the refresh goes out at the first visit with now + T ≥ RT: window [E·P/100 − 2T, E·P/100 − T] after the 200
    expect(sends(step(registered, { type: "visit" }, rt - T - 1, ctx))).toEqual([]);
    expect(sends(step(registered, { type: "visit" }, rt - T, ctx))).toHaveLength(1);
  });
});

describe("retry RT = t_fail + (F > 0 ? F : floor(E·P/100)) − T, sent when now ≥ RT", () => {
  it.each([
    { T: 10, E: 60, P: 100, F: 0, rt: 1050 },
    { T: 10, E: 60, P: 100, F: 20, rt: 1010 },
    { T: 100, E: 3600, P: 80, F: 0, rt: 1000 + 2880 - 100 },
    { T: 100, E: 3600, P: 100, F: 300, rt: 1200 },
  ])("T=$T E=$E P=$P F=$F → RT $rt", ({ T, E, P, F, rt }) => {
    const ctx = context({ timerInterval: T, reregisterExpiryPercentage: P, failureRetryInterval: F });
    const r = reach(1, ctx, { expiry: E });
    const failed = step(r, response(r, 403, "Forbidden"), 1000, ctx).record;
    expect(failed.registrationTimeout).toBe(rt);
    expect(retryDeadline(1000, E, ctx.params)).toBe(rt);
    expect(sends(step(failed, { type: "visit" }, rt - 1, ctx))).toEqual([]);
    expect(sends(step(failed, { type: "visit" }, rt, ctx))).toHaveLength(1);
  });

  it("uses the granted E, not the configured one, for the back-off after a refresh failure", () => {
    const ctx = context();
    const r = reach(1, ctx, { expiry: 60 });
    const registered = step(r, ok(r, 600), 1000, ctx).record;
    const refreshing = step(registered, { type: "visit" }, 1600, ctx).record;
    const failed = step(refreshing, response(refreshing, 500, "Server Internal Error"), 1600, ctx).record;
    expect(failed.registrationTimeout).toBe(1600 + 600 - 10);
  });
});

describe("granted E ≤ T", () => {
  it("is accepted with a warning; the refresh goes out at the next visit", () => {
    const ctx = context({ timerInterval: 30 });
    const r = reach(1, ctx, { expiry: 60 });
    const s = step(r, ok(r, 20), 1000, ctx);
    expect(s.record.state).toBe(3);
    expect(s.record.expires).toBe(20);
    expect(s.actions.some((a) => a.type === "log" && a.level === "warn" && a.message.includes("Please decrease"))).toBe(
      true,
    );
    expect(sends(step(s.record, { type: "visit" }, 1000, ctx))).toHaveLength(1);
  });
});

describe("MI force_register", () => {
  it("sets RT = 0: the refresh goes out at the next visit, not at once", () => {
    const ctx = context();
    const r = reach(3, ctx);
    const forced = step(r, { type: "force-register" }, 120, ctx);
    expect(sends(forced)).toEqual([]);
    expect(sends(step(forced.record, { type: "visit" }, 121, ctx))).toHaveLength(1);
  });

  it("does nothing while a request is in flight or when disabled", () => {
    const ctx = context();
    const inFlight = reach(1, ctx);
    expect(step(inFlight, { type: "force-register" }, 120, ctx).record).toBe(inFlight);
    const disabled = reach(7, ctx, {}, { enabled: false });
    expect(step(disabled, { type: "force-register" }, 120, ctx).record).toBe(disabled);
  });
});
