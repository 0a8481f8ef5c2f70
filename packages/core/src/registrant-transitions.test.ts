import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CoreContext } from "./core-params.js";
import type { RegistrantEvent } from "./registrant-event.js";
import { step } from "./registrant-machine.js";
import { copyRecord, type RegistrantRecord } from "./registrant-record.js";
import type { RegistrantState } from "./registrant-state.js";
import { stateName } from "./registrant-state.js";
import {
  renderTransitionTable,
  TRANSITIONS,
  type Transition,
  type TransitionId,
  TransitionTableError,
  transitionFor,
} from "./registrant-transitions.js";
import { configOf, ok, reach, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, sends } from "./test-support/registrant-fixtures.js";

const NOW = 1000;
const STALE_401 =
  'WWW-Authenticate: Digest realm="reg.test", nonce="a2nonce", opaque="opaque-a-456", qop="auth", algorithm=MD5, stale=true';

interface Case {
  id: TransitionId;
  /** What the spec says happens, in words (the test name). */
  name: string;
  from: (ctx: CoreContext) => RegistrantRecord;
  event: (record: RegistrantRecord, ctx: CoreContext) => RegistrantEvent;
  ctx?: Partial<CoreContext["params"]>;
  retryAfter?: number;
  check?: (before: RegistrantRecord, after: RegistrantRecord) => void;
}

const visit = (): RegistrantEvent => ({ type: "visit" });
const challenge = (r: RegistrantRecord) => response(r, 401, "Unauthorized", [CHALLENGE_401]);

const CASES: Case[] = [
  { id: "visit-register", name: "state 0 enabled: a visit sends REGISTER", from: (c) => reach(0, c), event: visit },
  { id: "visit-refresh", name: "REGISTERED, now + T ≥ RT: a visit refreshes", from: (c) => reach(3, c), event: visit },
  {
    id: "visit-unregister-disabled",
    name: "REGISTERED but disabled (defensive): a due visit unregisters",
    from: (c) => Object.assign(copyRecord(reach(3, c)), { enabled: false }),
    event: visit,
  },
  ...([4, 5, 6, 7] as const).map(
    (s): Case => ({
      id: "visit-retry",
      name: `${stateName(s)}, now ≥ RT: a visit retries with a new Call-ID`,
      from: (c) => reach(s, c),
      event: visit,
    }),
  ),
  {
    id: "visit-retry-unregister",
    name: "error state, disabled, now ≥ RT: a visit unregisters",
    from: (c) => reach(7, c, {}, { enabled: false }),
    event: visit,
  },
  {
    id: "enable-register",
    name: "MI enable on a disabled state-0 record registers at once with a new Call-ID",
    from: (c) => reach(0, c, { state: 1 }),
    event: () => ({ type: "enable" }),
  },
  {
    id: "enable",
    name: "MI enable in an error state only flips the flag",
    from: (c) => reach(7, c, {}, { enabled: false }),
    event: () => ({ type: "enable" }),
  },
  {
    id: "disable-unregister",
    name: "MI disable of a REGISTERED record unregisters at once",
    from: (c) => reach(3, c),
    event: () => ({ type: "disable" }),
  },
  {
    id: "disable",
    name: "MI disable elsewhere only flips the flag",
    from: (c) => reach(7, c),
    event: () => ({ type: "disable" }),
  },
  {
    id: "force-register",
    name: "MI force_register sets RT = 0",
    from: (c) => reach(3, c),
    event: () => ({ type: "force-register" }),
    check: (_b, a) => expect(a.registrationTimeout).toBe(0),
  },
  {
    id: "delete-unregister",
    name: "delete of a REGISTERED record unregisters",
    from: (c) => reach(3, c),
    event: () => ({ type: "delete" }),
  },
  {
    id: "delete-in-flight",
    name: "delete while REGISTERING disables the record: its 200 will be answered by an unREGISTER",
    from: (c) => reach(2, c),
    event: () => ({ type: "delete" }),
    check: (_b, a) => {
      expect(a.enabled).toBe(false);
      const c = context();
      expect(step(a, ok(a), NOW, c).actions.find((x) => x.type === "send")?.kind).toBe("unREGISTER");
    },
  },
  {
    id: "reload-unregister",
    name: "reload with the row disabled unregisters a REGISTERED record",
    from: (c) => reach(3, c),
    event: (_r, c) => ({ type: "reload", config: configOf(c, { state: 1 }) }),
  },
  {
    id: "reload-reregister",
    name: "reload with a changed row re-registers at the next visit",
    from: (c) => reach(3, c),
    event: (_r, c) => ({ type: "reload", config: configOf(c, { expiry: 120 }) }),
    check: (b, a) => {
      expect(a.wantedExpires).toBe(120);
      expect(a.callId).toBe(b.callId);
    },
  },
  {
    id: "reload-replace",
    name: "reload with a changed row while REGISTERING keeps the request in flight",
    from: (c) => reach(1, c),
    event: (_r, c) => ({ type: "reload", config: configOf(c, { expiry: 120 }) }),
    check: (b, a) => expect(a.pending).toEqual(b.pending),
  },
  {
    id: "tag-backup",
    name: "sharing tag BACKUP: NOT_REGISTERED, nothing sent",
    from: (c) => reach(2, c),
    event: () => ({ type: "tag", state: "backup" }),
  },
  {
    id: "shutdown-unregister",
    name: "shutdown with unregister_on_shutdown unregisters",
    from: (c) => reach(3, c),
    event: () => ({ type: "shutdown", unregister: true }),
  },
  {
    id: "reply-provisional",
    name: "1xx is ignored",
    from: (c) => reach(1, c),
    event: (r) => response(r, 100, "Trying"),
  },
  {
    id: "reply-ok-no-contact",
    name: "200 without Contact is INTERNAL_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 200, "OK"),
  },
  {
    id: "reply-ok-force-single",
    name: "FORCE_SINGLE and two bindings: wildcard unREGISTER",
    from: (c) => reach(2, c, { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"' }),
    event: (r) =>
      response(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=60, <sip:alice@192.0.2.99:5060>;expires=300`]),
  },
  {
    id: "reply-ok-binding-removed",
    name: "200 listing our binding with expires=0 is a failure",
    from: (c) => reach(1, c),
    event: (r) => ok(r, 0),
  },
  {
    id: "reply-ok-disabled",
    name: "200 to a REGISTER of a record disabled meanwhile: unREGISTER",
    from: (c) => reach(1, c, {}, { enabled: false }),
    event: (r) => ok(r),
  },
  {
    id: "reply-ok",
    name: "200 with our binding: REGISTERED with the granted expires",
    from: (c) => reach(1, c),
    event: (r) => ok(r, 120),
    check: (_b, a) => expect(a.expires).toBe(120),
  },
  {
    id: "reply-ok-unregistered",
    name: "200 to the unREGISTER of a disabled record: NOT_REGISTERED",
    from: (c) => reach(8, c),
    event: (r) => response(r, 200, "OK"),
  },
  {
    id: "reply-ok-reregister",
    name: "200 to an unREGISTER of a record enabled again: REGISTER with a new Call-ID",
    from: (c) => reach(8, c, {}, { enabled: true }),
    event: (r) => response(r, 200, "OK"),
  },
  {
    id: "reply-auth-no-credentials",
    name: "401 without username: WRONG_CREDENTIALS",
    from: (c) => reach(1, c, { username: null }),
    event: challenge,
  },
  {
    id: "reply-auth-no-challenge",
    name: "401 with no usable challenge: INTERNAL_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 401, "Unauthorized", ['WWW-Authenticate: Basic realm="x"']),
  },
  {
    id: "reply-auth-register",
    name: "401 to a REGISTER: authenticated REGISTER",
    from: (c) => reach(1, c),
    event: challenge,
  },
  {
    id: "reply-auth-unregister",
    name: "401 to an unREGISTER: authenticated unREGISTER",
    from: (c) => reach(8, c),
    event: challenge,
  },
  {
    id: "reply-auth-stale-register",
    name: "stale=true to an authenticated REGISTER: answered once",
    from: (c) => reach(2, c),
    event: (r) => response(r, 401, "Unauthorized", [STALE_401]),
  },
  {
    id: "reply-auth-stale-unregister",
    name: "stale=true to an authenticated unREGISTER: answered once",
    from: (c) => reach(9, c),
    event: (r) => response(r, 401, "Unauthorized", [STALE_401]),
  },
  {
    id: "reply-auth-realm-register",
    name: "407 to a REGISTER that answered a 401: both credentials (RFC 3261 §22.3)",
    from: (c) => reach(2, c),
    event: (r) => response(r, 407, "Proxy Authentication Required", [CHALLENGE_401.replace("WWW-", "Proxy-")]),
  },
  {
    id: "reply-auth-realm-unregister",
    name: "407 to an unREGISTER that answered a 401: both credentials (RFC 3261 §22.3)",
    from: (c) => reach(9, c),
    event: (r) => response(r, 407, "Proxy Authentication Required", [CHALLENGE_401.replace("WWW-", "Proxy-")]),
  },
  {
    id: "reply-auth-rejected",
    name: "401 to an authenticated REGISTER, not stale: WRONG_CREDENTIALS",
    from: (c) => reach(2, c),
    event: challenge,
  },
  {
    id: "reply-interval-too-brief",
    name: "423 with Min-Expires 600: REGISTER again with expires=600",
    from: (c) => reach(1, c),
    event: (r) => response(r, 423, "Interval Too Brief", ["Min-Expires: 600"]),
    check: (_b, a) => expect(a.wantedExpires).toBe(600),
  },
  {
    id: "reply-interval-unusable",
    name: "423 with Min-Expires < 5: REGISTRAR_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 423, "Interval Too Brief", ["Min-Expires: 4"]),
  },
  {
    id: "reply-interval-unusable",
    name: "423 without Min-Expires: REGISTRAR_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 423, "Interval Too Brief"),
  },
  {
    id: "reply-interval-unusable",
    name: "423 to an unREGISTER: REGISTRAR_ERROR",
    from: (c) => reach(8, c),
    event: (r) => response(r, 423, "Interval Too Brief", ["Min-Expires: 600"]),
  },
  {
    id: "reply-timeout",
    name: "408 from the network: REGISTER_TIMEOUT",
    from: (c) => reach(1, c),
    event: (r) => response(r, 408, "Request Timeout"),
  },
  {
    id: "reply-timeout",
    name: "transaction timeout: REGISTER_TIMEOUT",
    from: (c) => reach(9, c),
    event: (r) => ({ type: "timeout", request: { callId: r.callId, cseq: r.cseq } }),
  },
  {
    id: "reply-redirect",
    name: "3xx: INTERNAL_ERROR with back-off",
    from: (c) => reach(1, c),
    event: (r) => response(r, 301, "Moved"),
  },
  {
    id: "reply-retry-after",
    name: "503 with Retry-After: REGISTRAR_ERROR, RT honours Retry-After",
    from: (c) => reach(2, c),
    event: (r) => response(r, 503, "Service Unavailable", ["Retry-After: 3600"]),
    retryAfter: 3600,
  },
  {
    id: "reply-error",
    name: "403: REGISTRAR_ERROR (not WRONG_CREDENTIALS)",
    from: (c) => reach(2, c),
    event: (r) => response(r, 403, "Forbidden"),
  },
  {
    id: "reply-error",
    name: "603 Decline: REGISTRAR_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 603, "Decline"),
  },
  {
    id: "send-failure",
    name: "transport error: INTERNAL_ERROR with back-off",
    from: (c) => reach(1, c),
    event: (r) => ({ type: "transport-error", request: { callId: r.callId, cseq: r.cseq }, message: "ECONNREFUSED" }),
  },
  {
    id: "reply-malformed",
    name: "200 with an unparsable Contact: INTERNAL_ERROR",
    from: (c) => reach(1, c),
    event: (r) => response(r, 200, "OK", ["Contact: <sip:alice@127.0.0.1:15100"]),
  },
];

function expectedRt(
  t: Transition,
  before: RegistrantRecord,
  after: RegistrantRecord,
  ctx: CoreContext,
  ra = 0,
): number {
  const { timerInterval: T, failureRetryInterval: F, reregisterExpiryPercentage: P } = ctx.params;
  const share = Math.floor((after.expires * P) / 100);
  switch (t.rt) {
    case "keep":
      return before.registrationTimeout;
    case "zero":
      return 0;
    case "refresh":
      return NOW + share - T;
    case "retry":
      return NOW + (F > 0 ? F : share) - T;
    case "retry-after":
      return Math.max(NOW + (F > 0 ? F : share) - T, NOW + ra);
  }
}

describe("the transition table (docs/opensips-behaviour.md §5/§6 as amended by docs/decisions.md)", () => {
  for (const c of CASES) {
    const row = TRANSITIONS.find((t) => t.id === c.id) as Transition;
    it(`${c.id}: ${c.name}`, () => {
      const ctx = context(c.ctx);
      const before = c.from(ctx);
      const result = step(before, c.event(before, ctx), NOW, ctx);
      const after = result.record;
      const to: RegistrantState = row.to === "same" ? before.state : row.to;
      expect(stateName(after.state)).toBe(stateName(to));
      const sent = sends(result);
      expect(sent.map((s) => s.kind)).toEqual(row.send === undefined ? [] : [row.send]);
      if (row.callId === "new") {
        expect(after.callId).not.toBe(before.callId);
        expect(after.fromTag).not.toBe(before.fromTag);
        expect(after.cseq).toBe(1);
      } else {
        expect(after.callId).toBe(before.callId);
        if (row.send !== undefined) expect(after.cseq).toBe(before.cseq + 1);
      }
      for (const s of sent) {
        expect(s.request.callId).toBe(after.callId);
        expect(s.request.cseq).toBe(after.cseq);
        expect(after.pending?.cseq).toBe(after.cseq);
        expect(after.lastRegisterSent).toBe(s.kind.startsWith("REGISTER") ? NOW : before.lastRegisterSent);
      }
      expect(after.registrationTimeout).toBe(expectedRt(row, before, after, ctx, c.retryAfter));
      const persisted = result.actions.filter((a) => a.type === "persist-state");
      expect(persisted.map((a) => a.state)).toEqual(row.persist === undefined ? [] : [row.persist]);
      const changes = result.actions.filter((a) => a.type === "state-change");
      if (to === before.state) expect(changes).toEqual([]);
      else
        expect(changes.map((a) => [a.from, a.to, a.transition])).toEqual([
          [stateName(before.state), stateName(to), c.id],
        ]);
      c.check?.(before, after);
    });
  }

  it("has a test case for every row", () => {
    const covered = new Set(CASES.map((c) => c.id));
    expect(TRANSITIONS.map((t) => t.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it("ignores an unknown event type (a JavaScript caller) with an error log, never a crash", () => {
    const ctx = context();
    const r = reach(3, ctx);
    const s = step(r, { type: "bogus" } as unknown as RegistrantEvent, NOW, ctx);
    expect(s.record).toBe(r);
    expect(s.actions).toEqual([{ type: "log", level: "error", message: 'unknown registrant event "bogus" ignored' }]);
  });

  it("has unique row ids", () => {
    expect(new Set(TRANSITIONS.map((t) => t.id)).size).toBe(TRANSITIONS.length);
  });

  it("refuses a row whose from-states do not hold the current state", () => {
    expect(() => transitionFor("reply-ok", 3)).toThrow(TransitionTableError);
  });

  it("is the table printed in README.md", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const start = readme.indexOf("<!-- transitions:start -->");
    const end = readme.indexOf("<!-- transitions:end -->");
    expect(start).toBeGreaterThan(0);
    // Cells compared trimmed, so a markdown formatter may pad the columns.
    const norm = (table: string) =>
      table
        .trim()
        .split("\n")
        .map((line) =>
          line
            .split("|")
            .map((cell) => cell.trim().replace(/^:?-+:?$/, "---"))
            .join("|"),
        )
        .join("\n");
    expect(norm(readme.slice(start + "<!-- transitions:start -->".length, end))).toBe(norm(renderTransitionTable()));
  });
});
