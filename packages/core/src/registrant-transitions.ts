import { allStatesBut, ERROR_STATES, IN_FLIGHT_STATES, RegistrantState, stateName } from "./registrant-state.js";

/**
 * THE transition table of the registrant (docs/opensips-behaviour.md §3, §5, §6, §8, §9, as amended by docs/decisions.md).
 *
 * Every state change the machine makes is one row here. Handlers decide *which* row applies (they parse the reply,
 * check timers and flags) and look it up by id; the row alone says where the record goes, what is sent, whether the
 * Call-ID is renewed, how RT (the registration timeout) moves and what is written to the DB. `applyTransition`
 * refuses a row whose `from` does not hold the record's current state, so the table and the code cannot drift.
 * The README's state table is generated from `renderTransitionTable()` and a test checks they are identical.
 */

/** What triggered the transition. */
export type TransitionEvent =
  | "visit"
  | "enable"
  | "disable"
  | "force_register"
  | "delete"
  | "reload"
  | "tag backup"
  | "shutdown"
  | "1xx"
  | "2xx"
  | "401/407"
  | "423"
  | "408/timeout"
  | "3xx"
  | "500/503"
  | "other final"
  | "send failure"
  | "bad reply";

/**
 * What goes out. `REGISTER` may carry preemptive credentials (decisions: optional preemptive auth); `+auth` answers
 * the challenge just received; `wildcard unREGISTER` is `Contact: *` + `Expires: 0` (docs/opensips-behaviour.md §4.4).
 */
export type SendKind = "REGISTER" | "REGISTER+auth" | "unREGISTER" | "unREGISTER+auth" | "wildcard unREGISTER";

/** True for the kinds that register (`REGISTER`, `REGISTER+auth`); false for the three unREGISTER kinds. */
export function registers(kind: SendKind): boolean {
  return kind === "REGISTER" || kind === "REGISTER+auth";
}

/** `keep`: same Call-ID and From-tag, CSeq + 1. `new`: new Call-ID and From-tag, CSeq restarts at 1 (§4.2). */
export type CallIdRule = "keep" | "new";

/**
 * How RT changes (§3): `keep`; `refresh` = now + floor(E·P/100) − T; `retry` = now + (F > 0 ? F : floor(E·P/100)) − T;
 * `retry-after` = max(retry, now + Retry-After); `zero` = 0 (due at the next visit).
 */
export type DeadlineRule = "keep" | "refresh" | "retry" | "retry-after" | "zero";

export interface Transition {
  readonly id: string;
  readonly from: readonly RegistrantState[];
  readonly event: TransitionEvent;
  readonly when: string;
  /** Target state, or "same" when only flags, RT or the DB state change. */
  readonly to: RegistrantState | "same";
  readonly send?: SendKind;
  readonly callId?: CallIdRule;
  readonly rt: DeadlineRule;
  /** DB `state` column written (0 enabled, 1 disabled). */
  readonly persist?: 0 | 1;
}

const ANY_IN_FLIGHT = IN_FLIGHT_STATES;
const ERRORS = ERROR_STATES;

/** The table. Order is documentation order; ids are unique. */
export const TRANSITIONS = [
  // Timer visits (§3; "now + T ≥ RT" is the 4.x refresh rule kept by docs/decisions.md)
  {
    id: "visit-register",
    from: [RegistrantState.NOT_REGISTERED],
    event: "visit",
    when: "enabled",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-refresh",
    from: [RegistrantState.REGISTERED],
    event: "visit",
    when: "enabled, now + T ≥ RT",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-unregister-disabled",
    from: [RegistrantState.REGISTERED],
    event: "visit",
    when: "disabled, now + T ≥ RT",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-retry",
    from: ERRORS,
    event: "visit",
    when: "enabled, now ≥ RT",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
  },
  {
    id: "visit-retry-unregister",
    from: ERRORS,
    event: "visit",
    when: "disabled, now ≥ RT",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  // MI commands (§9)
  {
    id: "enable-register",
    from: [RegistrantState.NOT_REGISTERED],
    event: "enable",
    when: "was disabled",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
    persist: 0,
  },
  {
    id: "enable",
    from: allStatesBut(RegistrantState.NOT_REGISTERED),
    event: "enable",
    when: "was disabled",
    to: "same",
    rt: "keep",
    persist: 0,
  },
  {
    id: "disable-unregister",
    from: [RegistrantState.REGISTERED],
    event: "disable",
    when: "was enabled",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
    persist: 1,
  },
  {
    id: "disable",
    from: allStatesBut(RegistrantState.REGISTERED),
    event: "disable",
    when: "was enabled",
    to: "same",
    rt: "keep",
    persist: 1,
  },
  {
    id: "force-register",
    from: [
      RegistrantState.NOT_REGISTERED,
      RegistrantState.REGISTERED,
      RegistrantState.REGISTER_TIMEOUT,
      RegistrantState.INTERNAL_ERROR,
      RegistrantState.WRONG_CREDENTIALS,
      RegistrantState.REGISTRAR_ERROR,
    ],
    event: "force_register",
    when: "enabled",
    to: "same",
    rt: "zero",
  },
  {
    id: "delete-unregister",
    from: [RegistrantState.REGISTERED],
    event: "delete",
    when: "",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "delete-in-flight",
    from: [
      RegistrantState.REGISTERING,
      RegistrantState.AUTHENTICATING,
      RegistrantState.UNREGISTERING,
      RegistrantState.AUTHENTICATING_UNREGISTER,
    ],
    event: "delete",
    when: "request in flight (now disabled: its 200 leads to an unREGISTER)",
    to: "same",
    rt: "keep",
  },
  // Reload of the record with a changed row (decisions: unchanged rows are untouched, no row here)
  {
    id: "reload-unregister",
    from: [RegistrantState.REGISTERED],
    event: "reload",
    when: "row changed, now disabled",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reload-reregister",
    from: [
      RegistrantState.REGISTERED,
      RegistrantState.REGISTER_TIMEOUT,
      RegistrantState.INTERNAL_ERROR,
      RegistrantState.WRONG_CREDENTIALS,
      RegistrantState.REGISTRAR_ERROR,
    ],
    event: "reload",
    when: "row changed, enabled",
    to: "same",
    rt: "zero",
  },
  {
    id: "reload-replace",
    from: allStatesBut(RegistrantState.REGISTERED),
    event: "reload",
    when: "row changed, otherwise",
    to: "same",
    rt: "keep",
  },
  // Clustering (§7) and shutdown (decisions: unregister_on_shutdown)
  {
    id: "tag-backup",
    from: allStatesBut(RegistrantState.NOT_REGISTERED),
    event: "tag backup",
    when: "in-flight request abandoned",
    to: RegistrantState.NOT_REGISTERED,
    rt: "keep",
  },
  {
    id: "shutdown-unregister",
    from: [RegistrantState.REGISTERED],
    event: "shutdown",
    when: "unregister_on_shutdown",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  // Replies to the request in flight (§5)
  { id: "reply-provisional", from: ANY_IN_FLIGHT, event: "1xx", when: "", to: "same", rt: "keep" },
  {
    id: "reply-ok-no-contact",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "2xx",
    when: "no Contact",
    to: RegistrantState.INTERNAL_ERROR,
    rt: "retry",
  },
  {
    id: "reply-ok-force-single",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "2xx",
    when: "FORCE_SINGLE, more than one binding",
    to: RegistrantState.UNREGISTERING,
    send: "wildcard unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-ok-binding-removed",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "2xx",
    when: "our binding has expires=0",
    to: RegistrantState.REGISTRAR_ERROR,
    rt: "retry",
  },
  {
    id: "reply-ok-disabled",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "2xx",
    when: "disabled",
    to: RegistrantState.UNREGISTERING,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-ok",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "2xx",
    when: "enabled",
    to: RegistrantState.REGISTERED,
    rt: "refresh",
  },
  {
    id: "reply-ok-unregistered",
    from: [RegistrantState.UNREGISTERING, RegistrantState.AUTHENTICATING_UNREGISTER],
    event: "2xx",
    when: "disabled",
    to: RegistrantState.NOT_REGISTERED,
    rt: "zero",
  },
  {
    id: "reply-ok-reregister",
    from: [RegistrantState.UNREGISTERING, RegistrantState.AUTHENTICATING_UNREGISTER],
    event: "2xx",
    when: "enabled",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
  },
  {
    id: "reply-auth-no-credentials",
    from: ANY_IN_FLIGHT,
    event: "401/407",
    when: "empty username or password",
    to: RegistrantState.WRONG_CREDENTIALS,
    rt: "retry",
  },
  {
    id: "reply-auth-no-challenge",
    from: ANY_IN_FLIGHT,
    event: "401/407",
    when: "no usable challenge",
    to: RegistrantState.INTERNAL_ERROR,
    rt: "retry",
  },
  {
    id: "reply-auth-register",
    from: [RegistrantState.REGISTERING],
    event: "401/407",
    when: "challenge",
    to: RegistrantState.AUTHENTICATING,
    send: "REGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-unregister",
    from: [RegistrantState.UNREGISTERING],
    event: "401/407",
    when: "challenge",
    to: RegistrantState.AUTHENTICATING_UNREGISTER,
    send: "unREGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-stale-register",
    from: [RegistrantState.AUTHENTICATING],
    event: "401/407",
    when: "stale=true, first time",
    to: RegistrantState.AUTHENTICATING,
    send: "REGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-stale-unregister",
    from: [RegistrantState.AUTHENTICATING_UNREGISTER],
    event: "401/407",
    when: "stale=true, first time",
    to: RegistrantState.AUTHENTICATING_UNREGISTER,
    send: "unREGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-realm-register",
    from: [RegistrantState.AUTHENTICATING],
    event: "401/407",
    when: "challenge for the other header (second realm, RFC 3261 §22.3)",
    to: RegistrantState.AUTHENTICATING,
    send: "REGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-realm-unregister",
    from: [RegistrantState.AUTHENTICATING_UNREGISTER],
    event: "401/407",
    when: "challenge for the other header (second realm, RFC 3261 §22.3)",
    to: RegistrantState.AUTHENTICATING_UNREGISTER,
    send: "unREGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-rejected",
    from: ANY_IN_FLIGHT,
    event: "401/407",
    when: "challenged again, not stale; or the attempt's challenge answers are used up",
    to: RegistrantState.WRONG_CREDENTIALS,
    rt: "retry",
  },
  {
    id: "reply-interval-too-brief",
    from: [RegistrantState.REGISTERING, RegistrantState.AUTHENTICATING],
    event: "423",
    when: "enabled, Min-Expires ≥ 5 and > W sent, fewer than 2 re-sends in this attempt",
    to: RegistrantState.REGISTERING,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-interval-unusable",
    from: ANY_IN_FLIGHT,
    event: "423",
    when: "otherwise (disabled, re-sends used up), or to an unREGISTER",
    to: RegistrantState.REGISTRAR_ERROR,
    rt: "retry",
  },
  {
    id: "reply-timeout",
    from: ANY_IN_FLIGHT,
    event: "408/timeout",
    when: "",
    to: RegistrantState.REGISTER_TIMEOUT,
    rt: "retry",
  },
  {
    id: "reply-redirect",
    from: ANY_IN_FLIGHT,
    event: "3xx",
    when: "",
    to: RegistrantState.INTERNAL_ERROR,
    rt: "retry",
  },
  {
    id: "reply-retry-after",
    from: ANY_IN_FLIGHT,
    event: "500/503",
    when: "with Retry-After",
    to: RegistrantState.REGISTRAR_ERROR,
    rt: "retry-after",
  },
  {
    id: "reply-error",
    from: ANY_IN_FLIGHT,
    event: "other final",
    when: "≥ 300",
    to: RegistrantState.REGISTRAR_ERROR,
    rt: "retry",
  },
  {
    id: "send-failure",
    from: ANY_IN_FLIGHT,
    event: "send failure",
    when: "transport error",
    to: RegistrantState.INTERNAL_ERROR,
    rt: "retry",
  },
  {
    id: "reply-malformed",
    from: ANY_IN_FLIGHT,
    event: "bad reply",
    when: "unparsable Contact or challenge",
    to: RegistrantState.INTERNAL_ERROR,
    rt: "retry",
  },
] as const satisfies readonly Transition[];

/** Row ids: the names handlers use to pick a transition. */
export type TransitionId = (typeof TRANSITIONS)[number]["id"];

const BY_ID = new Map<string, Transition>(TRANSITIONS.map((t) => [t.id, t]));

/** Raised when a handler picks a row whose `from` does not hold the current state: a bug in core, never input. */
export class TransitionTableError extends Error {
  override readonly name = "TransitionTableError";
}

/** Looks up a row and checks that it may fire from `state`. */
export function transitionFor(id: TransitionId, state: RegistrantState): Transition {
  const t = BY_ID.get(id);
  if (t === undefined) throw new TransitionTableError(`no transition "${id}"`);
  if (!t.from.includes(state)) {
    throw new TransitionTableError(`transition "${id}" cannot fire from ${stateName(state)}`);
  }
  return t;
}

/** The table as markdown, exactly as it appears in README.md. */
export function renderTransitionTable(): string {
  const lines = [
    "| id | from | event | condition | to | sends | Call-ID | RT | DB state |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of TRANSITIONS as readonly Transition[]) {
    const to = row.to === "same" ? "same" : `${row.to} ${stateName(row.to)}`;
    lines.push(
      `| ${row.id} | ${row.from.join(",")} | ${row.event} | ${row.when || "—"} | ${to} | ${row.send ?? "—"} | ${
        row.callId ?? "—"
      } | ${row.rt} | ${row.persist ?? "—"} |`,
    );
  }
  return lines.join("\n");
}
