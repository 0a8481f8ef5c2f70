import type { CoreContext } from "./core-params.js";
import { newDialogPair, PAIR_CALL_ID_LENGTH } from "./dialog-ids.js";
import { buildRequestFrom, type OutgoingRequest, type RequestForm, type RequestParts } from "./register-request.js";
import { headerBlockOf } from "./registrant-config.js";
import type { RegistrantAction, Step } from "./registrant-action.js";
import { type AnswerCredentials, type AuthCache, preemptiveCredentials } from "./registrant-authorization.js";
import { copyRecord, pendingRequest, type RegistrantRecord } from "./registrant-record.js";
import { isInFlight, stateName } from "./registrant-state.js";
import {
  registers,
  type SendKind,
  type Transition,
  type TransitionEvent,
  type TransitionId,
  transitionFor,
} from "./registrant-transitions.js";
import { refreshDeadline, retryAfterDeadline, retryDeadline } from "./registration-timing.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Extra inputs a handler passes with the row it picked. */
export interface TransitionInput {
  /** Why (shown in the state-change event), e.g. "403 Forbidden"; defaults to the row's event and condition. */
  reason?: string;
  /** Credentials answering the challenge just received (`+auth` sends), with the cache entry to keep. */
  answer?: { credentials: AnswerCredentials; cache: AuthCache };
  /** This send answers a `stale=true` challenge (only one per exchange). */
  staleAnswered?: boolean;
  /** Seconds from a Retry-After header (the `retry-after` RT rule). */
  retryAfter?: number;
  /** Field changes made before the row applies (E, W, enabled, config, pin …). */
  changes?: Partial<Mutable<RegistrantRecord>>;
  /** E granted by a 2xx (set after `changes`): a number instead of a `changes` object per refresh. */
  expires?: number;
  /** Extra actions to emit first (log lines). */
  actions?: RegistrantAction[];
}

/**
 * The request's parts, one object filled in place per send: buildRequestFrom reads it during the call and keeps
 * nothing of it, and a refresh sends once (docs/performance.md, "Core and digest: bytes per refresh").
 */
const PARTS: RequestParts = {
  form: "register",
  callId: "",
  fromTag: "",
  cseq: 0,
  expires: 0,
  credentials: undefined,
  destination: undefined,
};

/** No extra input: one shared object instead of a default `{}` per call (a visit's transition passes none). */
const NO_INPUT: TransitionInput = Object.freeze({});

/** The events of replies to the request in flight: a send they cause belongs to the same attempt. */
const REPLY_EVENTS: ReadonlySet<TransitionEvent> = new Set<TransitionEvent>([
  "1xx",
  "2xx",
  "401/407",
  "423",
  "408/timeout",
  "3xx",
  "500/503",
  "other final",
  "send failure",
  "bad reply",
]);

function formFor(kind: SendKind, record: RegistrantRecord): RequestForm {
  switch (kind) {
    case "REGISTER":
    case "REGISTER+auth":
      return "register";
    case "unREGISTER":
      return "unregister";
    case "wildcard unREGISTER":
      return "wildcard";
    case "unREGISTER+auth":
      // decisions (README): an authenticated retry keeps the challenged form, so the FORCE_SINGLE cleanup stays a
      // wildcard (OpenSIPS quirk 15 falls back to the single binding and can loop).
      return record.pending?.form === "wildcard" ? "wildcard" : "unregister";
  }
}

/**
 * Applies one row of the transition table to a record: state, RT, Call-ID, the request to send, DB state, and the
 * state-change event. The only place a record's state is changed.
 */
export function applyTransition(
  record: RegistrantRecord,
  id: TransitionId,
  now: number,
  ctx: CoreContext,
  input: TransitionInput = NO_INPUT,
): Step<RegistrantRecord> {
  const t = transitionFor(id, record.state);
  if (ctx.retiring === true && t.send !== undefined && registers(t.send)) {
    // A retiring record starts no registration: nothing changes, so no state change is reported (docs/decisions.md).
    return unchanged(record, [
      { type: "log", level: "debug", message: `${id} not taken: the record is retiring (no REGISTER is sent)` },
    ]);
  }
  const next = copyRecord(record);
  if (input.changes !== undefined) Object.assign(next, input.changes);
  if (input.expires !== undefined) next.expires = input.expires;
  let send: RegistrantAction | undefined;
  const to = t.to === "same" ? record.state : t.to;
  next.state = to;

  if (t.callId === "new") {
    next.setDialogPair(newDialogPair(ctx.random), PAIR_CALL_ID_LENGTH);
    next.cseq = 0;
  }

  switch (t.rt) {
    case "refresh":
      next.registrationTimeout = refreshDeadline(now, next.expires, ctx.params);
      break;
    case "retry":
      next.registrationTimeout = retryDeadline(now, next.expires, ctx.params);
      break;
    case "retry-after":
      next.registrationTimeout = retryAfterDeadline(now, next.expires, input.retryAfter ?? 0, ctx.params);
      break;
    case "zero":
      next.registrationTimeout = 0;
      break;
    case "keep":
      break;
  }

  if (t.send !== undefined) {
    const form = formFor(t.send, record);
    let credentials: AnswerCredentials | undefined;
    if (input.answer !== undefined) {
      credentials = input.answer.credentials;
      next.auth = input.answer.cache;
    } else if (ctx.params.preemptiveAuth) {
      const pre = preemptiveCredentials(next.config, next.auth, ctx.random);
      if (pre !== undefined) {
        credentials = pre.credentials;
        next.auth = pre.cache;
      }
    }
    const cseq = next.cseq + 1;
    next.cseq = cseq;
    // reg_list's last_register_sent: REGISTERs only; an unREGISTER leaves it (capture g_disable).
    if (form === "register") next.lastRegisterSent = now;
    // A send caused by a reply continues the attempt and its budget; any other send starts a new attempt.
    const carried = REPLY_EVENTS.has(t.event) ? record.pending : undefined;
    // One read: the record keeps the Call-ID inside its dialog string, and each read of `callId` cuts it out.
    const callId = next.callId;
    next.pending = pendingRequest(
      callId,
      cseq,
      form,
      credentials !== undefined,
      input.staleAnswered === true,
      next.wantedExpires,
      (carried?.intervalResends ?? 0) + (id === "reply-interval-too-brief" ? 1 : 0),
      (carried?.challengeAnswers ?? 0) + (input.answer !== undefined ? 1 : 0),
    );
    const parts = PARTS;
    parts.form = form;
    parts.callId = callId;
    parts.fromTag = next.fromTag;
    parts.cseq = cseq;
    parts.expires = next.wantedExpires;
    parts.credentials = credentials;
    parts.destination = next.pinned;
    let request: OutgoingRequest;
    try {
      request = buildRequestFrom(next.config, headerBlockOf(next.config), parts);
    } finally {
      // Nothing of the record is held past the call (the credentials are an answer's secret-derived parts).
      parts.credentials = undefined;
      parts.destination = undefined;
    }
    send = { type: "send", kind: t.send, request };
  } else if (!isInFlight(to)) {
    // Assigned, not deleted: a `delete` turns the record into a slow dictionary-mode object ~900 bytes larger.
    next.pending = undefined;
  }
  if (!isInFlight(to)) {
    next.refreshAfterReply = false;
    next.afterSingleCleanup = false;
  }

  const persist: RegistrantAction | undefined =
    t.persist === undefined ? undefined : { type: "persist-state", key: next.config.key, state: t.persist };
  const change: RegistrantAction | undefined =
    to === record.state
      ? undefined
      : {
          type: "state-change",
          key: next.config.key,
          from: stateName(record.state),
          to: stateName(to),
          reason: input.reason ?? rowReason(t),
          at: now,
          transition: id,
        };
  return { record: next, actions: actionList(input.actions, send, persist, change) };
}

/**
 * The actions in their order (extra log lines, send, DB state, state change) in an array of exactly their number:
 * an empty array grown by `push` gets room for 17 on its first push, and two transitions run per refresh
 * (docs/performance.md, "Allocation and the garbage collector per refresh").
 */
function actionList(
  extra: readonly RegistrantAction[] | undefined,
  send: RegistrantAction | undefined,
  persist: RegistrantAction | undefined,
  change: RegistrantAction | undefined,
): RegistrantAction[] {
  const n =
    (extra === undefined ? 0 : extra.length) +
    (send === undefined ? 0 : 1) +
    (persist === undefined ? 0 : 1) +
    (change === undefined ? 0 : 1);
  const out = new Array<RegistrantAction>(n);
  let i = 0;
  if (extra !== undefined) for (const a of extra) out[i++] = a;
  if (send !== undefined) out[i++] = send;
  if (persist !== undefined) out[i++] = persist;
  if (change !== undefined) out[i] = change;
  return out;
}

/** A row's default reason (`event` or `event: condition`), built once per row instead of once per transition. */
const ROW_REASONS = new WeakMap<Transition, string>();
function rowReason(t: Transition): string {
  let reason = ROW_REASONS.get(t);
  if (reason === undefined) {
    reason = t.when === "" ? t.event : `${t.event}: ${t.when}`;
    ROW_REASONS.set(t, reason);
  }
  return reason;
}

/** No actions: one frozen array shared by every idle visit (a million records are visited every timer_interval). */
const NO_ACTIONS: readonly RegistrantAction[] = Object.freeze([]);

/** Nothing changes (the same record object), with optional log actions. */
export function unchanged(
  record: RegistrantRecord,
  actions: readonly RegistrantAction[] = NO_ACTIONS,
): Step<RegistrantRecord> {
  return { record, actions };
}
