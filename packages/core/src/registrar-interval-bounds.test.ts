import { describe, expect, it } from "vitest";
import type { CoreContext } from "./core-params.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { RegistrantState } from "./registrant-state.js";
import { DEFAULT_MAX_EXPIRES, DEFAULT_MAX_RETRY_AFTER } from "./registrar-interval-bounds.js";
import { reach, response } from "./test-support/registrant-driver.js";
import { context, onlySend } from "./test-support/registrant-fixtures.js";

const NOW = 1000;
const HUGE = String(2 ** 40);
const T = 10;

function warnings(actions: ReturnType<typeof step>["actions"]): string[] {
  const out: string[] = [];
  for (const a of actions) if (a.type === "log" && a.level === "warn") out.push(a.message);
  return out;
}

function reply(r: RegistrantRecord, status: number, reason: string, headers: string[], ctx: CoreContext) {
  return step(r, response(r, status, reason, headers), NOW, ctx);
}

describe("registrar-supplied intervals are clamped (docs/decisions.md, README 'registrar intervals')", () => {
  it(`our binding's expires=2^40 grants max_expires (default ${DEFAULT_MAX_EXPIRES} s), with a warning`, () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = reply(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=${HUGE}`], ctx);
    expect(s.record.state).toBe(RegistrantState.REGISTERED);
    expect(s.record.expires).toBe(DEFAULT_MAX_EXPIRES);
    expect(s.record.registrationTimeout).toBe(NOW + DEFAULT_MAX_EXPIRES - T);
    expect(warnings(s.actions).some((m) => m.includes("expires") && m.includes(String(DEFAULT_MAX_EXPIRES)))).toBe(
      true,
    );
  });

  it("an Expires: 2^40 header for our binding without a parameter is clamped the same way", () => {
    const ctx = context();
    const r = reach(RegistrantState.AUTHENTICATING, ctx);
    const s = reply(r, 200, "OK", [`Contact: <${r.config.binding}>`, `Expires: ${HUGE}`], ctx);
    expect(s.record.expires).toBe(DEFAULT_MAX_EXPIRES);
    expect(warnings(s.actions)).toHaveLength(1);
  });

  it("the bound is configurable (max_expires)", () => {
    const ctx = context({ maxExpires: 7200 });
    const r = reach(RegistrantState.REGISTERING, ctx);
    expect(reply(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=${HUGE}`], ctx).record.expires).toBe(7200);
    // Within the bound: taken as is, no warning.
    const ok = reply(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=7200`], ctx);
    expect(ok.record.expires).toBe(7200);
    expect(warnings(ok.actions)).toHaveLength(0);
  });

  it("a 200 that does not list our binding: its Expires header (2^40 or not) is ignored, E stays", () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = reply(r, 200, "OK", ["Contact: <sip:someone-else@192.0.2.1>;expires=30", `Expires: ${HUGE}`], ctx);
    expect(s.record.state).toBe(RegistrantState.REGISTERED);
    expect(s.record.expires).toBe(60);
    expect(s.record.registrationTimeout).toBe(NOW + 60 - T);
    const small = reply(r, 200, "OK", ["Contact: <sip:someone-else@192.0.2.1>", "Expires: 300"], ctx);
    expect(small.record.expires).toBe(60);
  });

  it(`503 with Retry-After: 2^40 waits at most max_retry_after (default ${DEFAULT_MAX_RETRY_AFTER} s), with a warning`, () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = reply(r, 503, "Service Unavailable", [`Retry-After: ${HUGE}`], ctx);
    expect(s.record.state).toBe(RegistrantState.REGISTRAR_ERROR);
    expect(s.record.registrationTimeout).toBe(NOW + DEFAULT_MAX_RETRY_AFTER);
    expect(warnings(s.actions).some((m) => m.includes("Retry-After"))).toBe(true);
    const custom = context({ maxRetryAfter: 600 });
    const r2 = reach(RegistrantState.REGISTERING, custom);
    expect(reply(r2, 500, "Server Error", [`Retry-After: ${HUGE}`], custom).record.registrationTimeout).toBe(NOW + 600);
  });

  it("423 with Min-Expires: 2^40 asks for max_expires, with a warning", () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = reply(r, 423, "Interval Too Brief", [`Min-Expires: ${HUGE}`], ctx);
    expect(onlySend(s).request.headers).toContain(`;expires=${DEFAULT_MAX_EXPIRES}\r\n`);
    expect(s.record.wantedExpires).toBe(DEFAULT_MAX_EXPIRES);
    expect(warnings(s.actions).some((m) => m.includes("Min-Expires"))).toBe(true);
    // Asked max_expires already: a Min-Expires above it cannot be met, REGISTRAR_ERROR with back-off.
    const again = reply(s.record, 423, "Interval Too Brief", [`Min-Expires: ${HUGE}`], ctx);
    expect(again.record.state).toBe(RegistrantState.REGISTRAR_ERROR);
  });
});
