import { describe, expect, it } from "vitest";
import { step } from "./registrant-machine.js";
import { RegistrantState } from "./registrant-state.js";
import { registers } from "./registrant-transitions.js";
import { ok, reach, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, onlySend, sends, stateChanges } from "./test-support/registrant-fixtures.js";

const NOW = 500;

describe("a retiring record (deleted, or the node stops: docs/decisions.md)", () => {
  it("does not answer a challenge to its REGISTER: the record stays as it is and reports no state change", () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = step(r, response(r, 401, "Unauthorized", [CHALLENGE_401]), NOW, { ...ctx, retiring: true });
    expect(s.record).toBe(r);
    expect(sends(s)).toEqual([]);
    expect(stateChanges(s)).toEqual([]);
  });

  it("still ends its registration: an unREGISTER and its answer to a challenge go out", () => {
    const ctx = context();
    const retiring = { ...ctx, retiring: true };
    const r = reach(RegistrantState.REGISTERED, ctx);
    const deleted = step(r, { type: "delete" }, NOW, retiring);
    expect(onlySend(deleted).kind).toBe("unREGISTER");
    const challenged = step(
      deleted.record,
      response(deleted.record, 401, "Unauthorized", [CHALLENGE_401]),
      NOW,
      retiring,
    );
    expect(onlySend(challenged).kind).toBe("unREGISTER+auth");
    const done = step(challenged.record, ok(challenged.record, 0), NOW, retiring);
    expect(done.record.state).toBe(RegistrantState.NOT_REGISTERED);
  });

  it("starts no registration on a visit", () => {
    const ctx = context();
    const r = reach(RegistrantState.NOT_REGISTERED, ctx);
    expect(step(r, { type: "visit" }, NOW, { ...ctx, retiring: true }).record).toBe(r);
  });
});

describe("shutdown with unregister", () => {
  it("disables the REGISTERED record in memory (no DB write), so its 200 ends in NOT_REGISTERED", () => {
    const ctx = context({ preemptiveAuth: false });
    const r = reach(RegistrantState.REGISTERED, ctx);
    const s = step(r, { type: "shutdown", unregister: true }, NOW, ctx);
    expect(s.record.enabled).toBe(false);
    expect(s.actions.filter((a) => a.type === "persist-state")).toEqual([]);
    const end = step(s.record, ok(s.record, 0), NOW, ctx);
    expect(end.record.state).toBe(RegistrantState.NOT_REGISTERED);
    expect(sends(end)).toEqual([]);
  });
});

describe("send kinds", () => {
  it("tells the registering kinds from the unREGISTER kinds", () => {
    expect(registers("REGISTER")).toBe(true);
    expect(registers("REGISTER+auth")).toBe(true);
    expect(registers("unREGISTER")).toBe(false);
    expect(registers("unREGISTER+auth")).toBe(false);
    expect(registers("wildcard unREGISTER")).toBe(false);
  });
});
