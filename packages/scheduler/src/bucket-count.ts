import { SchedulerConfigError } from "./scheduler-config-error.js";

/** The smallest accepted `timer_interval` (docs/opensips-behaviour.md §1: "must be ≥ 10, otherwise startup fails"). */
export const MIN_TIMER_INTERVAL = 10;

/**
 * H = 2^hash_size (docs/opensips-behaviour.md §1). uacreg refuses a hash_size outside 1..20 (OpenSIPS only logs it,
 * §13.11; docs/decisions.md: "reject values outside 1..20").
 * @throws SchedulerConfigError naming `hash_size`
 */
export function bucketCount(hashSize: number): number {
  if (!Number.isInteger(hashSize) || hashSize < 1 || hashSize > 20) {
    throw new SchedulerConfigError("hash_size", hashSize, "must be an integer in 1..20");
  }
  return 2 ** hashSize;
}

/**
 * The bucket period floor(T/H) in whole seconds (docs/opensips-behaviour.md §3).
 * @throws SchedulerConfigError naming `timer_interval` when T < 10 or floor(T/H) < 1, `hash_size` when out of range
 */
export function bucketPeriodSeconds(hashSize: number, timerInterval: number): number {
  const h = bucketCount(hashSize);
  if (!Number.isInteger(timerInterval) || timerInterval < MIN_TIMER_INTERVAL) {
    throw new SchedulerConfigError("timer_interval", timerInterval, `must be an integer ≥ ${MIN_TIMER_INTERVAL}`);
  }
  const period = Math.floor(timerInterval / h);
  if (period < 1) {
    throw new SchedulerConfigError(
      "timer_interval",
      timerInterval,
      `MUST be at least as big as the number of buckets (2^hash_size = ${h})`,
    );
  }
  return period;
}
