import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RegistrantEvent } from "./registrant-event.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { isInFlight } from "./registrant-state.js";
import { configOf, ok, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, newRecord } from "./test-support/registrant-fixtures.js";

type Move =
  | { kind: "visit"; advance: number }
  | { kind: "reply"; status: number }
  | { kind: "timeout" | "transport-error" | "enable" | "disable" | "force-register" | "backup" | "active" | "reload" };

const move: fc.Arbitrary<Move> = fc.oneof(
  fc.record({ kind: fc.constant("visit" as const), advance: fc.integer({ min: 0, max: 400 }) }),
  fc.record({
    kind: fc.constant("reply" as const),
    status: fc.constantFrom(100, 200, 200, 200, 202, 302, 401, 401, 407, 403, 408, 423, 500, 503, 603),
  }),
  fc.constantFrom(
    ...(
      ["timeout", "transport-error", "enable", "disable", "force-register", "backup", "active", "reload"] as const
    ).map((kind) => ({ kind })),
  ),
);

function eventFor(
  m: Move,
  r: RegistrantRecord,
  ctx: ReturnType<typeof context>,
  flip: boolean,
): RegistrantEvent | undefined {
  const id = r.pending === undefined ? undefined : { callId: r.pending.callId, cseq: r.pending.cseq };
  switch (m.kind) {
    case "visit":
      return { type: "visit" };
    case "reply":
      if (r.pending === undefined) return undefined;
      if (m.status === 200) return ok(r, 60);
      if (m.status === 401) return response(r, 401, "Unauthorized", [CHALLENGE_401]);
      if (m.status === 407)
        return response(r, 407, "Proxy Authentication Required", [CHALLENGE_401.replace("WWW-", "Proxy-")]);
      if (m.status === 423) return response(r, 423, "Interval Too Brief", ["Min-Expires: 120"]);
      if (m.status === 503) return response(r, 503, "Service Unavailable", ["Retry-After: 30"]);
      return response(r, m.status, "X");
    case "timeout":
      return id === undefined ? undefined : { type: "timeout", request: id };
    case "transport-error":
      return id === undefined ? undefined : { type: "transport-error", request: id };
    case "backup":
    case "active":
      return { type: "tag", state: m.kind };
    case "reload":
      return { type: "reload", config: configOf(ctx, { expiry: flip ? 120 : 60 }) };
    default:
      return { type: m.kind };
  }
}

describe("any sequence of events (property)", () => {
  it("keeps the invariants: pending ⇔ in-flight state, CSeq +1 on one Call-ID or 1 on a new one, RT ≥ 0", () => {
    fc.assert(
      fc.property(fc.array(move, { minLength: 1, maxLength: 60 }), fc.boolean(), (moves, preemptiveAuth) => {
        const ctx = context({ preemptiveAuth });
        let r = newRecord({}, ctx);
        let now = 1000;
        let flip = false;
        const lastCseq = new Map<string, number>([[r.callId, r.cseq]]);
        for (const m of moves) {
          if (m.kind === "visit") now += m.advance;
          if (m.kind === "reload") flip = !flip;
          const ev = eventFor(m, r, ctx, flip);
          if (ev === undefined) continue;
          const s = step(r, ev, now, ctx);
          r = s.record;
          expect(r.pending !== undefined).toBe(isInFlight(r.state));
          expect(r.registrationTimeout).toBeGreaterThanOrEqual(0);
          for (const a of s.actions) {
            if (a.type !== "send") continue;
            const before = lastCseq.get(a.request.callId);
            expect(a.request.cseq).toBe(before === undefined ? 1 : before + 1);
            lastCseq.set(a.request.callId, a.request.cseq);
            expect(a.request.callId).toMatch(/^[0-9a-f]{27}$/);
          }
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
  });
});
