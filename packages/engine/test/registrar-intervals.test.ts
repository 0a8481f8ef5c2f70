// Registrar-supplied intervals of 2^40 s (issue 10, item 5) through the engine on virtual time: the granted expiry and
// the Retry-After are clamped to max_expires / max_retry_after, with a warning in the log. Nothing sleeps.
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { RegistrantEngine } from "../src/registrant-engine.js";
import { EngineConfigError } from "../src/registrant-params.js";
import { type Harness, keyOf, openHarness, row } from "../src/test-support/engine-harness.js";
import { MemoryRegistrar } from "../src/test-support/memory-registrar.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alice = (h: Harness) => keyOf(h.registrar, "alice");

describe("registrar intervals are clamped (docs/decisions.md)", () => {
  it("a granted expires of 2^40 s becomes max_expires (default 86400 s); the refresh comes a day later, not in a century", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")], registrar: { grant: 2 ** 40 } });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const view = h.engine.get(alice(h));
    expect(view?.expires).toBe(86400);
    expect(view?.registrationTimeout).toBe((view?.lastRegisterSent ?? 0) + 86400 - 10);
    expect(h.logger.at("warn").some((l) => l.includes("expires") && l.includes("86400"))).toBe(true);
  });

  it("max_expires and max_retry_after are engine parameters", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice")],
      registrar: { grant: 2 ** 40 },
      params: { maxExpires: 7200, maxRetryAfter: 600 },
    });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    expect(h.engine.get(alice(h))?.expires).toBe(7200);
    const from = h.events.length;
    h.registrar.script = () => ({
      status: 503,
      reason: "Service Unavailable",
      headers: [["Retry-After", String(2 ** 40)]],
    });
    expect(h.engine.forceRegister(alice(h))).toBe(true);
    await h.waitEvent((e) => e.to === "REGISTRAR_ERROR_STATE", from);
    const view = h.engine.get(alice(h));
    expect(view?.registrationTimeout).toBe((view?.lastRegisterSent ?? 0) + 7200 - 10);
    // F = 0 gives a back-off of 7200 − 10 s here, already above the clamped 600 s Retry-After.
    expect(h.logger.at("warn").some((l) => l.includes("Retry-After") && l.includes("600"))).toBe(true);
  });

  it("refuses a max_expires below 60 s or a negative max_retry_after, naming the parameter", () => {
    const clock = new VirtualClock();
    const transport = new MemoryRegistrar(clock);
    const make = (params: Record<string, number>) => () => new RegistrantEngine({ transport, params, clock });
    expect(make({ maxExpires: 59 })).toThrow(EngineConfigError);
    expect(make({ maxExpires: 59 })).toThrow(/max_expires/);
    expect(make({ maxRetryAfter: -1 })).toThrow(/max_retry_after/);
  });
});
