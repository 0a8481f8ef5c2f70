import {
  type CoreParams,
  DEFAULT_MAX_EXPIRES,
  DEFAULT_MAX_RETRY_AFTER,
  MAX_ROW_EXPIRY,
  type ValidationContext,
} from "@uacreg/core";
import { bucketPeriodSeconds } from "@uacreg/scheduler";

/** The uac_registrant modparams + uacreg additions, camelCased (docs/contracts.md). */
export interface RegistrantParams {
  /** `hash_size`: 2^hash_size buckets, 1..20 (default 1). */
  hashSize: number;
  /** `timer_interval` T, seconds, ≥ 10 and ≥ 2^hash_size (default 100). */
  timerInterval: number;
  /** `failure_retry_interval` F, seconds; 0 = floor(E·P/100) (default 0). */
  failureRetryInterval: number;
  /** `reregister_expiry_percentage` P, 1..100 (default 100). */
  reregisterExpiryPercentage: number;
  /**
   * `default_expires`, seconds in 15..2^31−1: the expiry of a row whose expiry is NULL (default 3600); bounded like
   * the expiry column itself (core's `MAX_ROW_EXPIRY`), so a defaulted row never carries an expiry a row could not.
   */
  defaultExpires: number;
  /** `enable_clustering` (default false). */
  enableClustering: boolean;
  /** Reuse the last nonce with nc+1 on new requests (uacreg addition, default true). */
  preemptiveAuth: boolean;
  /** Unregister every registered record on shutdown (uacreg addition, default false as in OpenSIPS). */
  unregisterOnShutdown: boolean;
  /**
   * `max_expires` (s, uacreg addition, default 86400): a granted expiry or a 423's Min-Expires above it is clamped to
   * it with a warning (docs/decisions.md; @uacreg/core README "registrar intervals are clamped").
   */
  maxExpires: number;
  /** `max_retry_after` (s, uacreg addition, default 3600): a Retry-After above it is clamped to it with a warning. */
  maxRetryAfter: number;
}

/** The defaults of the OpenSIPS module (docs/opensips-behaviour.md §1) plus uacreg's additions. */
export const DEFAULT_REGISTRANT_PARAMS: RegistrantParams = {
  hashSize: 1,
  timerInterval: 100,
  failureRetryInterval: 0,
  reregisterExpiryPercentage: 100,
  defaultExpires: 3600,
  enableClustering: false,
  preemptiveAuth: true,
  unregisterOnShutdown: false,
  maxExpires: DEFAULT_MAX_EXPIRES,
  maxRetryAfter: DEFAULT_MAX_RETRY_AFTER,
};

/** A refused start-up parameter (docs/opensips-behaviour.md §1), named as in OpenSIPS (`reregister_expiry_percentage` …). */
export class EngineConfigError extends Error {
  override readonly name = "EngineConfigError";
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    message: string,
  ) {
    super(`${parameter}=${String(value)}: ${message}`);
  }
}

/**
 * The start-up checks of docs/opensips-behaviour.md §1 and docs/decisions.md. `hash_size` and `timer_interval` are checked by the
 * scheduler (SchedulerConfigError naming the parameter); the others here.
 * @throws SchedulerConfigError | EngineConfigError
 */
export function validateRegistrantParams(p: RegistrantParams): void {
  bucketPeriodSeconds(p.hashSize, p.timerInterval);
  const int = (name: string, v: number, ok: boolean, what: string) => {
    if (!Number.isInteger(v) || !ok) throw new EngineConfigError(name, v, what);
  };
  int("failure_retry_interval", p.failureRetryInterval, p.failureRetryInterval >= 0, "must be an integer ≥ 0");
  int(
    "reregister_expiry_percentage",
    p.reregisterExpiryPercentage,
    p.reregisterExpiryPercentage >= 1 && p.reregisterExpiryPercentage <= 100,
    "must be an integer in 1..100",
  );
  int(
    "default_expires",
    p.defaultExpires,
    p.defaultExpires >= 15 && p.defaultExpires <= MAX_ROW_EXPIRY,
    `must be an integer in 15..${MAX_ROW_EXPIRY}`,
  );
  int("max_expires", p.maxExpires, p.maxExpires >= 60, "must be an integer ≥ 60");
  int("max_retry_after", p.maxRetryAfter, p.maxRetryAfter >= 0, "must be an integer ≥ 0");
}

/** The parameters core reads, out of the engine's (docs/contracts.md). */
export function coreParamsOf(p: RegistrantParams): CoreParams {
  const { timerInterval, failureRetryInterval, reregisterExpiryPercentage, defaultExpires, preemptiveAuth } = p;
  const { maxExpires, maxRetryAfter } = p;
  return {
    timerInterval,
    failureRetryInterval,
    reregisterExpiryPercentage,
    defaultExpires,
    preemptiveAuth,
    maxExpires,
    maxRetryAfter,
  };
}

/** How core validates rows for this engine: its T and default expiry, the sender's sockets, the User-Agent. */
export function validationOf(
  p: RegistrantParams,
  sender: { hasSocket(spec: string): boolean },
  userAgent: string | undefined,
): ValidationContext {
  const v: ValidationContext = {
    timerInterval: p.timerInterval,
    defaultExpires: p.defaultExpires,
    socketExists: (spec) => sender.hasSocket(spec),
  };
  if (userAgent !== undefined) v.userAgent = userAgent;
  return v;
}
