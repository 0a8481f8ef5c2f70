import { type RegistrantState, stateName } from "./registrant-state.js";

/**
 * THE transition table of the registrant (reference §3, §5, §6, §8, §9, as amended by design/decisions.md).
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
 * the challenge just received; `wildcard unREGISTER` is `Contact: *` + `Expires: 0` (reference §4.4).
 */
export type SendKind = "REGISTER" | "REGISTER+auth" | "unREGISTER" | "unREGISTER+auth" | "wildcard unREGISTER";

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

const ANY_IN_FLIGHT: readonly RegistrantState[] = [1, 2, 8, 9];
const ERRORS: readonly RegistrantState[] = [4, 5, 6, 7];

/** The table. Order is documentation order; ids are unique. */
export const TRANSITIONS = [
  // Timer visits (§3; "now + T ≥ RT" is the 4.x refresh rule kept by decisions.md)
  {
    id: "visit-register",
    from: [0],
    event: "visit",
    when: "enabled",
    to: 1,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-refresh",
    from: [3],
    event: "visit",
    when: "enabled, now + T ≥ RT",
    to: 1,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-unregister-disabled",
    from: [3],
    event: "visit",
    when: "disabled, now + T ≥ RT",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "visit-retry",
    from: ERRORS,
    event: "visit",
    when: "enabled, now ≥ RT",
    to: 1,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
  },
  {
    id: "visit-retry-unregister",
    from: ERRORS,
    event: "visit",
    when: "disabled, now ≥ RT",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  // MI commands (§9)
  {
    id: "enable-register",
    from: [0],
    event: "enable",
    when: "was disabled",
    to: 1,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
    persist: 0,
  },
  {
    id: "enable",
    from: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    event: "enable",
    when: "was disabled",
    to: "same",
    rt: "keep",
    persist: 0,
  },
  {
    id: "disable-unregister",
    from: [3],
    event: "disable",
    when: "was enabled",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
    persist: 1,
  },
  {
    id: "disable",
    from: [0, 1, 2, 4, 5, 6, 7, 8, 9],
    event: "disable",
    when: "was enabled",
    to: "same",
    rt: "keep",
    persist: 1,
  },
  { id: "force-register", from: [0, 3, 4, 5, 6, 7], event: "force_register", when: "enabled", to: "same", rt: "zero" },
  {
    id: "delete-unregister",
    from: [3],
    event: "delete",
    when: "",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "delete-in-flight",
    from: [1, 2, 8, 9],
    event: "delete",
    when: "request in flight (now disabled: its 200 leads to an unREGISTER)",
    to: "same",
    rt: "keep",
  },
  // Reload of the record with a changed row (decisions: unchanged rows are untouched, no row here)
  {
    id: "reload-unregister",
    from: [3],
    event: "reload",
    when: "row changed, now disabled",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reload-reregister",
    from: [3, 4, 5, 6, 7],
    event: "reload",
    when: "row changed, enabled",
    to: "same",
    rt: "zero",
  },
  {
    id: "reload-replace",
    from: [0, 1, 2, 4, 5, 6, 7, 8, 9],
    event: "reload",
    when: "row changed, otherwise",
    to: "same",
    rt: "keep",
  },
  // Clustering (§7) and shutdown (decisions: unregister_on_shutdown)
  {
    id: "tag-backup",
    from: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    event: "tag backup",
    when: "in-flight request abandoned",
    to: 0,
    rt: "keep",
  },
  {
    id: "shutdown-unregister",
    from: [3],
    event: "shutdown",
    when: "unregister_on_shutdown",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  // Replies to the request in flight (§5)
  { id: "reply-provisional", from: ANY_IN_FLIGHT, event: "1xx", when: "", to: "same", rt: "keep" },
  { id: "reply-ok-no-contact", from: [1, 2], event: "2xx", when: "no Contact", to: 5, rt: "retry" },
  {
    id: "reply-ok-force-single",
    from: [1, 2],
    event: "2xx",
    when: "FORCE_SINGLE, more than one binding",
    to: 8,
    send: "wildcard unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  { id: "reply-ok-binding-removed", from: [1, 2], event: "2xx", when: "our binding has expires=0", to: 7, rt: "retry" },
  {
    id: "reply-ok-disabled",
    from: [1, 2],
    event: "2xx",
    when: "disabled",
    to: 8,
    send: "unREGISTER",
    callId: "keep",
    rt: "keep",
  },
  { id: "reply-ok", from: [1, 2], event: "2xx", when: "enabled", to: 3, rt: "refresh" },
  { id: "reply-ok-unregistered", from: [8, 9], event: "2xx", when: "disabled", to: 0, rt: "zero" },
  {
    id: "reply-ok-reregister",
    from: [8, 9],
    event: "2xx",
    when: "enabled",
    to: 1,
    send: "REGISTER",
    callId: "new",
    rt: "keep",
  },
  {
    id: "reply-auth-no-credentials",
    from: ANY_IN_FLIGHT,
    event: "401/407",
    when: "empty username or password",
    to: 6,
    rt: "retry",
  },
  {
    id: "reply-auth-no-challenge",
    from: ANY_IN_FLIGHT,
    event: "401/407",
    when: "no usable challenge",
    to: 5,
    rt: "retry",
  },
  {
    id: "reply-auth-register",
    from: [1],
    event: "401/407",
    when: "challenge",
    to: 2,
    send: "REGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-unregister",
    from: [8],
    event: "401/407",
    when: "challenge",
    to: 9,
    send: "unREGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-stale-register",
    from: [2],
    event: "401/407",
    when: "stale=true, first time",
    to: 2,
    send: "REGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-stale-unregister",
    from: [9],
    event: "401/407",
    when: "stale=true, first time",
    to: 9,
    send: "unREGISTER+auth",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-auth-rejected",
    from: [2, 9],
    event: "401/407",
    when: "challenged again, not stale",
    to: 6,
    rt: "retry",
  },
  {
    id: "reply-interval-too-brief",
    from: [1, 2],
    event: "423",
    when: "Min-Expires ≥ 5",
    to: 1,
    send: "REGISTER",
    callId: "keep",
    rt: "keep",
  },
  {
    id: "reply-interval-unusable",
    from: ANY_IN_FLIGHT,
    event: "423",
    when: "otherwise, or to an unREGISTER",
    to: 7,
    rt: "retry",
  },
  { id: "reply-timeout", from: ANY_IN_FLIGHT, event: "408/timeout", when: "", to: 4, rt: "retry" },
  { id: "reply-redirect", from: ANY_IN_FLIGHT, event: "3xx", when: "", to: 5, rt: "retry" },
  {
    id: "reply-retry-after",
    from: ANY_IN_FLIGHT,
    event: "500/503",
    when: "with Retry-After",
    to: 7,
    rt: "retry-after",
  },
  { id: "reply-error", from: ANY_IN_FLIGHT, event: "other final", when: "≥ 300", to: 7, rt: "retry" },
  { id: "send-failure", from: ANY_IN_FLIGHT, event: "send failure", when: "transport error", to: 5, rt: "retry" },
  {
    id: "reply-malformed",
    from: ANY_IN_FLIGHT,
    event: "bad reply",
    when: "unparsable Contact or challenge",
    to: 5,
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
