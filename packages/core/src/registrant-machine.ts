import type { CoreContext, CoreParams } from "./core-params.js";
import type { Step } from "./registrant-action.js";
import { ignoreStale, matchesPending } from "./pending-request.js";
import { type RegistrantConfig, sameRowIgnoringState } from "./registrant-config.js";
import type { RegistrantEvent, RequestId } from "./registrant-event.js";
import { copyRecord, type RegistrantRecord } from "./registrant-record.js";
import { isErrorState, isInFlight, RegistrantState } from "./registrant-state.js";
import { applyTransition, unchanged } from "./transition-apply.js";
import { isRefreshDue, isRetryDue } from "./registration-timing.js";
import { onResponse } from "./registration-reply.js";

type RecordStep = Step<RegistrantRecord>;

/**
 * The single entry point: (record, event, now, ctx) → (record', actions). Pure: `now` is unix seconds, randomness
 * comes from `ctx.random`. The named functions below are the same, one per event.
 */
export function step(record: RegistrantRecord, event: RegistrantEvent, now: number, ctx: CoreContext): RecordStep {
  switch (event.type) {
    case "visit":
      return onVisit(record, now, ctx);
    case "response":
      return onResponse(record, event, now, ctx);
    case "timeout":
      return onTimeout(record, event.request, now, ctx);
    case "transport-error":
      return onTransportError(record, event.request, now, ctx, event.message);
    case "enable":
      return onEnable(record, now, ctx);
    case "disable":
      return onDisable(record, now, ctx);
    case "force-register":
      return onForceRegister(record, now, ctx);
    case "delete":
      return onDelete(record, now, ctx);
    case "reload":
      return onReload(record, event.config, now, ctx);
    case "tag":
      return onTagState(record, event.state, now, ctx);
    case "shutdown":
      return onShutdown(record, event.unregister, now, ctx);
    case "adopt-dialog":
      return onAdoptDialog(record, event);
    default: {
      // Unreachable from typed callers; a JavaScript caller's unknown event must not crash the engine.
      const type = String((event as { type?: unknown }).type);
      return unchanged(record, [
        { type: "log", level: "error", message: `unknown registrant event "${type}" ignored` },
      ]);
    }
  }
}

/**
 * A bucket visit (docs/opensips-behaviour.md §3): state 0 registers; REGISTERED refreshes once now + T ≥ RT; an error state retries
 * with a new Call-ID once now ≥ RT; states with a request in flight wait for its outcome.
 */
export function onVisit(record: RegistrantRecord, now: number, ctx: CoreContext): RecordStep {
  const s = record.state;
  if (s === RegistrantState.NOT_REGISTERED)
    return record.enabled ? applyTransition(record, "visit-register", now, ctx) : unchanged(record);
  if (s === RegistrantState.REGISTERED) {
    if (!isRefreshDue(now, record.registrationTimeout, ctx.params)) return unchanged(record);
    return applyTransition(record, record.enabled ? "visit-refresh" : "visit-unregister-disabled", now, ctx);
  }
  if (isErrorState(s)) {
    if (!isRetryDue(now, record.registrationTimeout)) return unchanged(record);
    return applyTransition(record, record.enabled ? "visit-retry" : "visit-retry-unregister", now, ctx);
  }
  return unchanged(record);
}

/** What {@link visitDueAt} returns when no visit can change the record: 2^31 − 1, a small integer (no heap number). */
export const NEVER_DUE = 0x7fffffff;

/**
 * The first `now` (unix seconds) at which {@link onVisit} would change the record; before it a visit returns the
 * record unchanged with no actions. {@link NEVER_DUE} when no visit can (a request in flight, a disabled
 * NOT_REGISTERED record). A walker may keep this number next to the record (recomputed after every change) and skip
 * the visit while `now` is earlier, without reading the record: at a million records that is one memory access
 * fewer per record per timer_interval.
 */
export function visitDueAt(record: RegistrantRecord, params: CoreParams): number {
  const s = record.state;
  if (s === RegistrantState.NOT_REGISTERED) return record.enabled ? 0 : NEVER_DUE;
  // isRefreshDue: now + T ≥ RT.
  if (s === RegistrantState.REGISTERED) return record.registrationTimeout - params.timerInterval;
  // isRetryDue: now ≥ RT.
  if (isErrorState(s)) return record.registrationTimeout;
  return NEVER_DUE;
}

/** MI reg_enable (§9): if disabled, enable; from state 0 REGISTER at once with a new Call-ID; DB state 0. */
export function onEnable(record: RegistrantRecord, now: number, ctx: CoreContext): RecordStep {
  if (record.enabled) return unchanged(record);
  return applyTransition(
    record,
    record.state === RegistrantState.NOT_REGISTERED ? "enable-register" : "enable",
    now,
    ctx,
    {
      // Disable + enable starts afresh: no cached challenge (issue 10).
      changes: isInFlight(record.state) ? { enabled: true } : { enabled: true, auth: undefined },
      reason: "MI enable",
    },
  );
}

/** MI reg_disable (§9): if enabled, disable; a REGISTERED record is unregistered at once; DB state 1. */
export function onDisable(record: RegistrantRecord, now: number, ctx: CoreContext): RecordStep {
  if (!record.enabled) return unchanged(record);
  return applyTransition(
    record,
    record.state === RegistrantState.REGISTERED ? "disable-unregister" : "disable",
    now,
    ctx,
    {
      changes: { enabled: false },
      reason: "MI disable",
    },
  );
}

/** MI reg_force_register (§9): RT = 0, so the next visit sends; nothing while a request is in flight or disabled. */
export function onForceRegister(record: RegistrantRecord, now: number, ctx: CoreContext): RecordStep {
  if (!record.enabled || isInFlight(record.state)) return unchanged(record);
  // The operator asks for a fresh registration: it starts without the cached challenge.
  return applyTransition(record, "force-register", now, ctx, { changes: { auth: undefined } });
}

/**
 * MI reg_delete, or the row is gone on reload (decisions: removed records are unregistered): a REGISTERED record
 * sends an unREGISTER; a record with a request in flight is disabled so that request's 200 is followed by one. The DB
 * is not written (OpenSIPS writes state=1, §13.13). The engine removes the record after.
 */
export function onDelete(record: RegistrantRecord, now: number, ctx: CoreContext): RecordStep {
  const changes = { enabled: false };
  if (record.state === RegistrantState.REGISTERED)
    return applyTransition(record, "delete-unregister", now, ctx, { changes, reason: "deleted" });
  // A request in flight: if the engine follows it to its end, a 200 to a REGISTER is answered by an unREGISTER
  // (reply-ok-disabled) and a 200 to an unREGISTER ends in NOT_REGISTERED instead of registering again.
  if (isInFlight(record.state))
    return applyTransition(record, "delete-in-flight", now, ctx, { changes, reason: "deleted" });
  return unchanged(record);
}

/**
 * The record's row was read again (docs/decisions.md, replacing §8): unchanged → untouched; changed and now disabled while
 * REGISTERED → unREGISTER; changed and enabled → re-register at the next visit keeping the Call-ID (REGISTERED or
 * error states: RT = 0; request in flight: after its 200). Call-ID, CSeq, E, pin and timers survive; W and the
 * enabled flag come from the new row; the preemptive-auth cache is dropped (credentials may have changed).
 */
export function onReload(
  record: RegistrantRecord,
  config: RegistrantConfig,
  now: number,
  ctx: CoreContext,
): RecordStep {
  // Compare with the live enabled flag: MI enable/disable may have changed it since the row was read.
  if (record.enabled === config.enabled && sameRowIgnoringState(record.config, config)) {
    // Unchanged: untouched (docs/decisions.md), except that a failing record drops its cached challenge, so an operator's
    // reload always clears a cache that may be the cause (issue 10).
    if (record.auth === undefined || !isErrorState(record.state)) return unchanged(record);
    const next = copyRecord(record);
    next.auth = undefined;
    return unchanged(next);
  }
  const changes: Partial<RegistrantRecord> = {
    config,
    enabled: config.enabled,
    wantedExpires: config.expiry,
    auth: undefined,
    refreshAfterReply:
      config.enabled &&
      (record.state === RegistrantState.REGISTERING || record.state === RegistrantState.AUTHENTICATING),
  };
  const s = record.state;
  if (s === RegistrantState.REGISTERED && !config.enabled)
    return applyTransition(record, "reload-unregister", now, ctx, { changes, reason: "reload: disabled" });
  if ((s === RegistrantState.REGISTERED || isErrorState(s)) && config.enabled) {
    return applyTransition(record, "reload-reregister", now, ctx, { changes, reason: "reload: row changed" });
  }
  return applyTransition(record, "reload-replace", now, ctx, { changes, reason: "reload: row changed" });
}

/**
 * The sharing tag changed (§7): BACKUP → NOT_REGISTERED, nothing sent, and the request in flight is abandoned (its
 * reply will be ignored: a backup node must not count itself registered). ACTIVE → nothing; the next visit registers.
 */
export function onTagState(
  record: RegistrantRecord,
  state: "active" | "backup",
  now: number,
  ctx: CoreContext,
): RecordStep {
  if (state === "active" || record.state === RegistrantState.NOT_REGISTERED) return unchanged(record);
  return applyTransition(record, "tag-backup", now, ctx, { reason: "sharing tag backup" });
}

/**
 * Shutdown (docs/decisions.md `unregister_on_shutdown`): a REGISTERED record sends an unREGISTER and is disabled in
 * memory (the database is not written), so the 200 ends it in NOT_REGISTERED instead of registering again. The
 * engine then steps every record with `ctx.retiring`: nothing new is registered while the node stops.
 */
export function onShutdown(record: RegistrantRecord, unregister: boolean, now: number, ctx: CoreContext): RecordStep {
  if (!unregister || record.state !== RegistrantState.REGISTERED) return unchanged(record);
  return applyTransition(record, "shutdown-unregister", now, ctx, { changes: { enabled: false }, reason: "shutdown" });
}

/**
 * A takeover (docs/cluster.md §4): the record continues the Call-ID and From-tag another owner used, its next request
 * carrying CSeq `cseq + 1`, so the registrar (RFC 3261 §10.3 step 7) sees one registration whose CSeq only grows.
 * Applied only when nothing is in flight (states 1, 2, 8, 9 keep their request, whose reply must still match); the
 * state, timers and pin are kept; the cached challenge is dropped (its nonce count belonged to this node's last
 * exchange, not to the adopted dialog). No state change, nothing sent: the caller registers after.
 */
export function onAdoptDialog(
  record: RegistrantRecord,
  dialog: { readonly callId: string; readonly fromTag: string; readonly cseq: number },
): RecordStep {
  if (isInFlight(record.state)) {
    return unchanged(record, [
      { type: "log", level: "warn", message: "dialog adoption ignored: a request is in flight" },
    ]);
  }
  if (!Number.isSafeInteger(dialog.cseq) || dialog.cseq < 0 || dialog.callId === "" || dialog.fromTag === "") {
    return unchanged(record, [{ type: "log", level: "error", message: "dialog adoption ignored: malformed mark" }]);
  }
  const next = copyRecord(record);
  next.callId = dialog.callId;
  next.fromTag = dialog.fromTag;
  next.cseq = dialog.cseq;
  next.auth = undefined;
  return unchanged(next);
}

/** No final reply in time (§5 "408 or local timeout"): REGISTER_TIMEOUT, back-off, and the pin is dropped (§4.3). */
export function onTimeout(record: RegistrantRecord, request: RequestId, now: number, ctx: CoreContext): RecordStep {
  if (!matchesPending(record, request)) return ignoreStale(record, "timeout", request);
  return applyTransition(record, "reply-timeout", now, ctx, { changes: { pinned: undefined }, reason: "timeout" });
}

/** The request could not be sent: INTERNAL_ERROR with the failure back-off (decisions: every failure backs off). */
export function onTransportError(
  record: RegistrantRecord,
  request: RequestId,
  now: number,
  ctx: CoreContext,
  message?: string,
): RecordStep {
  if (!matchesPending(record, request)) return ignoreStale(record, "transport error", request);
  // A request that could not leave (e.g. EMSGSIZE: the credentials made it larger than a datagram) must not be
  // rebuilt from the same cached challenge at every retry: the next attempt starts without it (issue 10).
  return applyTransition(record, "send-failure", now, ctx, {
    changes: { pinned: undefined, auth: undefined },
    reason: message === undefined ? "send failure" : `send failure: ${message}`,
  });
}
