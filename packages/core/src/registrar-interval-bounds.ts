import type { CoreParams } from "./core-params.js";
import type { RegistrantAction } from "./registrant-action.js";

/**
 * Bounds on the intervals a registrar hands us (docs/decisions.md "registrar intervals are clamped"): a granted expiry
 * (Contact `expires`, `Expires` header), a 423's `Min-Expires` and a 500/503's `Retry-After` (RFC 3261 §20.19,
 * §20.23, §20.33: any delta-seconds up to 2^32 − 1) would otherwise postpone a refresh or a retry by a century.
 * A value above its bound is replaced by the bound, with a warning.
 */

/** Default `max_expires` (s): the longest granted expiry or Min-Expires taken from a registrar (one day). */
export const DEFAULT_MAX_EXPIRES = 86400;
/** Default `max_retry_after` (s): the longest Retry-After honoured (one hour). */
export const DEFAULT_MAX_RETRY_AFTER = 3600;

/** The bound for a granted expiry or a Min-Expires. */
export function maxExpiresOf(params: CoreParams): number {
  return params.maxExpires ?? DEFAULT_MAX_EXPIRES;
}

/** The bound for a Retry-After. */
export function maxRetryAfterOf(params: CoreParams): number {
  return params.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER;
}

/**
 * `value` clamped to `max`; when clamped, a warning naming what (`expires`, `Min-Expires`, `Retry-After`), the AOR,
 * the value received and the bound is pushed to `actions`.
 */
export function clampInterval(
  value: number,
  max: number,
  what: string,
  aor: string,
  actions: RegistrantAction[],
): number {
  if (value <= max) return value;
  actions.push({
    type: "log",
    level: "warn",
    message: `${aor}: registrar ${what} ${value} s above the bound, ${max} s used instead`,
  });
  return max;
}
