import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ReplyMessage } from "./registrant-event.js";
import { step } from "./registrant-machine.js";
import type { RegistrantState } from "./registrant-state.js";
import { reach } from "./test-support/registrant-driver.js";
import { context } from "./test-support/registrant-fixtures.js";

/** A reply with arbitrary header values, as a hostile or broken registrar could send (names as given). */
function fakeReply(status: number, headers: Record<string, string[]>, callId: string, cseq: number): ReplyMessage {
  const all: Record<string, string[]> = { ...headers, "call-id": [callId], cseq: [`${cseq} REGISTER`] };
  return {
    status,
    reason: "Fuzz",
    getHeader: (name) => all[name.toLowerCase()]?.[0],
    getHeaders: (name) => all[name.toLowerCase()] ?? [],
  };
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "<sip:alice@127.0.0.1:15100>;expires=0",
    "<sip:alice@127.0.0.1:15100>;expires=abc",
    "*",
    'Digest realm="r", nonce="n", qop="auth", stale=true',
    'Digest realm="r", nonce="n", algorithm=SHA-256-sess',
    "Basic realm=x",
    "4294967296",
    "-1",
    "",
  ),
);

describe("replies never throw out of core (common.md: nothing from the network may throw)", () => {
  it("any status and any header values lead to a valid state", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RegistrantState>(1, 2, 8, 9),
        fc.integer({ min: 100, max: 699 }),
        fc.dictionary(
          fc.constantFrom(
            "contact",
            "www-authenticate",
            "proxy-authenticate",
            "min-expires",
            "retry-after",
            "expires",
            "authentication-info",
          ),
          fc.array(text, { maxLength: 3 }),
        ),
        (state, status, headers) => {
          const ctx = context({ preemptiveAuth: true });
          const r = reach(state, ctx, { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"' });
          const pending = r.pending;
          if (pending === undefined) throw new Error("no request in flight");
          const s = step(
            r,
            { type: "response", response: fakeReply(status, headers, pending.callId, pending.cseq) },
            500,
            ctx,
          );
          expect(s.record.state).toBeGreaterThanOrEqual(0);
          expect(s.record.state).toBeLessThanOrEqual(9);
          for (const a of s.actions) if (a.type === "send") expect(s.record.pending?.cseq).toBe(a.request.cseq);
        },
      ),
      { numRuns: 400, seed: 20261126 },
    );
  });
});
