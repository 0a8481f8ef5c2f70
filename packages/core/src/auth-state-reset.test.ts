import { describe, expect, it } from "vitest";
import { onReload } from "./registrant-machine.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { RegistrantState } from "./registrant-state.js";
import { configOf, reach } from "./test-support/registrant-driver.js";
import { context, headerOf, onlySend } from "./test-support/registrant-fixtures.js";

const NOW = 1000;

/** A REGISTERED record with a cached challenge, whose preemptive refresh could not be sent (EMSGSIZE). */
function failedSend(ctx = context({ preemptiveAuth: true })): RegistrantRecord {
  const registered = reach(RegistrantState.REGISTERED, ctx);
  expect(registered.auth).toBeDefined();
  const refresh = step(registered, { type: "visit" }, NOW, ctx);
  expect(headerOf(onlySend(refresh), "Authorization")).toBeDefined();
  const r = refresh.record;
  const pending = r.pending;
  if (pending === undefined) throw new Error("no request in flight");
  return step(
    r,
    { type: "transport-error", request: { callId: pending.callId, cseq: pending.cseq }, message: "send EMSGSIZE" },
    NOW,
    ctx,
  ).record;
}

describe("a local send failure drops the cached authentication state (docs/decisions.md)", () => {
  it("the next attempt goes out without the cached credentials", () => {
    const ctx = context({ preemptiveAuth: true });
    const failed = failedSend(ctx);
    expect(failed.state).toBe(RegistrantState.INTERNAL_ERROR);
    expect(failed.auth).toBeUndefined();
    const retry = onlySend(step(failed, { type: "visit" }, failed.registrationTimeout, ctx));
    expect(headerOf(retry, "Authorization")).toBeUndefined();
  });

  it("MI force-register, disable + enable, and a reload of the unchanged row of a failed record clear it too", () => {
    const ctx = context({ preemptiveAuth: true });
    // A failed record that still holds a cache (e.g. it failed otherwise): clear on each operator action.
    const registered = reach(RegistrantState.REGISTERED, ctx);
    const failing = step(registered, { type: "visit" }, NOW, ctx).record;
    const p = failing.pending;
    if (p === undefined) throw new Error("no request in flight");
    const errored = step(failing, { type: "timeout", request: { callId: p.callId, cseq: p.cseq } }, NOW, ctx).record;
    expect(errored.state).toBe(RegistrantState.REGISTER_TIMEOUT);
    expect(errored.auth).toBeDefined();
    expect(step(errored, { type: "force-register" }, NOW, ctx).record.auth).toBeUndefined();
    const disabled = step(errored, { type: "disable" }, NOW, ctx).record;
    expect(step(disabled, { type: "enable" }, NOW, ctx).record.auth).toBeUndefined();
    expect(onReload(errored, configOf(ctx), NOW, ctx).record.auth).toBeUndefined();
    // A REGISTERED record reloaded unchanged stays exactly as it is (docs/decisions.md), cache included.
    expect(onReload(registered, configOf(ctx), NOW, ctx).record).toBe(registered);
  });

  it("a reload that changes the row (a new password after the failure) drops the cache, whatever the state", () => {
    const ctx = context({ preemptiveAuth: true });
    const failed = failedSend(ctx);
    const registered = reach(RegistrantState.REGISTERED, ctx);
    expect(registered.auth).toBeDefined();
    for (const record of [failed, registered]) {
      const reloaded = onReload(record, configOf(ctx, { password: "changed" }), NOW, ctx).record;
      expect(reloaded.auth).toBeUndefined();
      // The next REGISTER is not built from the old challenge (it would carry the new password's old-nonce digest).
      const next = onlySend(step(reloaded, { type: "visit" }, reloaded.registrationTimeout, ctx));
      expect(headerOf(next, "Authorization")).toBeUndefined();
    }
  });
});
