/**
 * The module parameters core needs (docs/opensips-behaviour.md §1, docs/decisions.md), camelCased as in the engine's RegistrantParams
 * (docs/contracts.md), so an engine can pass its params object as is.
 */
export interface CoreParams {
  /** T, `timer_interval` (s). */
  timerInterval: number;
  /** F, `failure_retry_interval` (s); 0 = use floor(E·P/100). */
  failureRetryInterval: number;
  /** P, `reregister_expiry_percentage` (1..100). */
  reregisterExpiryPercentage: number;
  /** Used when the row's expiry is NULL (docs/decisions.md). */
  defaultExpires: number;
  /** Reuse the last challenge's nonce with nc+1 on new requests (docs/decisions.md; default on). */
  preemptiveAuth: boolean;
  /**
   * `max_expires` (s): a granted expiry or a 423's Min-Expires above it is clamped to it, with a warning (docs/decisions.md;
   * default 86400, `DEFAULT_MAX_EXPIRES`).
   */
  maxExpires?: number;
  /** `max_retry_after` (s): a Retry-After above it is clamped to it, with a warning (default 3600). */
  maxRetryAfter?: number;
}

/** Default values of the OpenSIPS module (§1) plus uacreg's additions. */
export const DEFAULT_CORE_PARAMS: CoreParams = {
  timerInterval: 100,
  failureRetryInterval: 0,
  reregisterExpiryPercentage: 100,
  defaultExpires: 3600,
  preemptiveAuth: true,
};

/** Randomness source: returns `n` random bytes (the engine passes crypto.randomBytes; tests a seeded generator). */
export type RandomBytes = (n: number) => Uint8Array;

/** What every entry point receives besides the record, the event and `now`. */
export interface CoreContext {
  params: CoreParams;
  random: RandomBytes;
  /**
   * The record is leaving this node: deleted (its request in flight is followed to its end outside the table) or the
   * node is shutting down (docs/decisions.md). It may still end its registration (unREGISTER, wildcard or with
   * credentials) but starts none: a transition that would send a REGISTER leaves the record as it is, with a debug
   * line, and emits no state change. Default false.
   */
  retiring?: boolean;
}
