/**
 * The timing parameters of the lease protocol (docs/cluster.md §3, configuration `cluster:`) and the rules that keep
 * it safe (§3.6): a renew period well inside the lease, a margin, statements never outliving the trust window.
 */
export interface LeaseTiming {
  /** L `lease_ms`: session lifetime after a renew, in database time. */
  readonly leaseMs: number;
  /** R `renew_ms`: renew period; R ≤ L/3 and R < L − M. */
  readonly renewMs: number;
  /** M `margin_ms`: safety margin taken off the trust window; > 0. */
  readonly marginMs: number;
  /** P `poll_ms`: membership/lease poll period, jittered ±20 %. */
  readonly pollMs: number;
  /** `statement_timeout_ms`: a call older than min(this, trust left) is abandoned as unknown. */
  readonly statementTimeoutMs: number;
  /** `max_handoffs`: units handed to other nodes in any one poll period (`pollMs`) at most. */
  readonly maxHandoffs: number;
}

/** The defaults of docs/cluster.md §3. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  leaseMs: 15_000,
  renewMs: 5_000,
  marginMs: 2_000,
  pollMs: 2_000,
  statementTimeoutMs: 3_000,
  maxHandoffs: 16,
};

/** The `fast` profile of docs/cluster.md §3. */
export const FAST_LEASE_TIMING: LeaseTiming = {
  leaseMs: 6_000,
  renewMs: 2_000,
  marginMs: 1_000,
  pollMs: 1_000,
  statementTimeoutMs: 1_000,
  maxHandoffs: 16,
};

/** A lease parameter that breaks a rule of docs/cluster.md §3.6, naming the configuration key. */
export class LeaseParameterError extends Error {
  override readonly name = "LeaseParameterError";
  constructor(
    readonly parameter: string,
    reason: string,
  ) {
    super(`cluster.${parameter}: ${reason}`);
  }
}

/**
 * Worst case from a node's death to a survivor claiming its units (docs/cluster.md §3.7): L + 1.2·P, plus the
 * statements of one poll and one claim.
 */
export function failoverBoundMs(timing: Pick<LeaseTiming, "leaseMs" | "pollMs">): number {
  return timing.leaseMs + 1.2 * timing.pollMs;
}

/**
 * Checks the parameters against docs/cluster.md §3.6.
 * @throws LeaseParameterError naming the first parameter that breaks a rule
 */
export function validateLeaseTiming(t: LeaseTiming): LeaseTiming {
  const positive: Array<[string, number]> = [
    ["lease_ms", t.leaseMs],
    ["renew_ms", t.renewMs],
    ["margin_ms", t.marginMs],
    ["poll_ms", t.pollMs],
    ["statement_timeout_ms", t.statementTimeoutMs],
  ];
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0)
      throw new LeaseParameterError(name, `must be a positive number of ms, got ${value}`);
  }
  if (!Number.isInteger(t.maxHandoffs) || t.maxHandoffs < 1) {
    throw new LeaseParameterError("max_handoffs", `must be a positive integer, got ${t.maxHandoffs}`);
  }
  if (t.marginMs >= t.leaseMs) {
    throw new LeaseParameterError("margin_ms", `must be below lease_ms (${t.leaseMs}), got ${t.marginMs}`);
  }
  if (t.renewMs * 3 > t.leaseMs) {
    throw new LeaseParameterError("renew_ms", `must be at most lease_ms/3 (${t.leaseMs / 3}), got ${t.renewMs}`);
  }
  if (t.renewMs >= t.leaseMs - t.marginMs) {
    throw new LeaseParameterError(
      "renew_ms",
      `must be below lease_ms − margin_ms (${t.leaseMs - t.marginMs}), got ${t.renewMs}`,
    );
  }
  return t;
}
