import type { CoreParams } from "./core-params.js";

/**
 * The scheduler formulas of docs/opensips-behaviour.md §3 (the 4.x rule kept by docs/decisions.md). All values are whole unix seconds and
 * the arithmetic truncates, as in OpenSIPS. Core sets no timers: it stores RT and each bucket visit compares.
 */

/** floor(E·P/100): the share of the granted expiry after which a refresh is wanted. */
export function refreshInterval(expires: number, params: CoreParams): number {
  return Math.floor((expires * params.reregisterExpiryPercentage) / 100);
}

/** RT after a successful registration: t_reply + floor(E·P/100) − T. */
export function refreshDeadline(now: number, expires: number, params: CoreParams): number {
  return now + refreshInterval(expires, params) - params.timerInterval;
}

/** RT after a failure: t_fail + (F > 0 ? F : floor(E·P/100)) − T (decisions: every failure uses it). */
export function retryDeadline(now: number, expires: number, params: CoreParams): number {
  const f = params.failureRetryInterval;
  return now + (f > 0 ? f : refreshInterval(expires, params)) - params.timerInterval;
}

/**
 * RT after a 500/503 with Retry-After (RFC 3261 §21.5.4, §21.5.3, §20.33): never earlier than the registrar asked,
 * never earlier than the normal back-off.
 */
export function retryAfterDeadline(now: number, expires: number, retryAfter: number, params: CoreParams): number {
  return Math.max(retryDeadline(now, expires, params), now + retryAfter);
}

/** A REGISTERED record is refreshed at the first visit where now + T ≥ RT (4.x, keeps at least T s of margin). */
export function isRefreshDue(now: number, rt: number, params: CoreParams): boolean {
  return now + params.timerInterval >= rt;
}

/** An error state is retried at the first visit where now ≥ RT. */
export function isRetryDue(now: number, rt: number): boolean {
  return now >= rt;
}
