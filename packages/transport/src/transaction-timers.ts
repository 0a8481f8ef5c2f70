/**
 * Transaction timer values, in OpenSIPS tm names: `T1_timer` (ms), `T2_timer` (ms), `fr_timeout` (s).
 * RFC 3261 §17.1.2.2 / Table 4: Timer E starts at T1 and doubles up to T2, Timer F is 64·T1 in the RFC but, as in
 * OpenSIPS tm, it is `fr_timeout` here; Timer K is T4 on unreliable transports and 0 on reliable ones.
 */
export interface TransactionTimers {
  /** RTT estimate T1, ms (tm `T1_timer`, default 500). */
  readonly t1Ms: number;
  /** Maximum retransmit interval T2, ms (tm `T2_timer`, default 4000). */
  readonly t2Ms: number;
  /** Maximum time a message stays in the network T4, ms (RFC 3261 default 5000). */
  readonly t4Ms: number;
  /** Timer F, ms (tm `fr_timeout` × 1000, default 30000). */
  readonly timerFMs: number;
}

/** OpenSIPS tm defaults: T1 500 ms, T2 4 s, fr_timeout 30 s; T4 5 s (RFC 3261 Table 4). */
export const DEFAULT_TIMERS: TransactionTimers = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000, timerFMs: 30_000 };

/** Builds timers from the user-facing tm names, validating them (positive numbers, T2 ≥ T1). */
export function transactionTimers(input?: { t1Ms?: number; t2Ms?: number; frTimeoutS?: number; t4Ms?: number }) {
  const t1Ms = input?.t1Ms ?? DEFAULT_TIMERS.t1Ms;
  const t2Ms = input?.t2Ms ?? DEFAULT_TIMERS.t2Ms;
  const t4Ms = input?.t4Ms ?? DEFAULT_TIMERS.t4Ms;
  const timerFMs = input?.frTimeoutS !== undefined ? input.frTimeoutS * 1000 : DEFAULT_TIMERS.timerFMs;
  for (const [name, v] of [
    ["T1_timer", t1Ms],
    ["T2_timer", t2Ms],
    ["T4", t4Ms],
    ["fr_timeout", timerFMs],
  ] as const) {
    if (!Number.isFinite(v) || v < 0 || (v === 0 && name !== "T4")) {
      throw new RangeError(`transaction timer ${name} must be a positive number, got ${v}`);
    }
  }
  if (t2Ms < t1Ms) throw new RangeError(`T2_timer (${t2Ms} ms) must not be below T1_timer (${t1Ms} ms)`);
  const timers: TransactionTimers = { t1Ms, t2Ms, t4Ms, timerFMs };
  return timers;
}
