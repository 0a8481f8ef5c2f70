import { bucketCount, bucketPeriodSeconds } from "./bucket-count.js";

/** Options of a {@link BucketWalk}. Times are milliseconds on whatever clock the caller uses. */
export interface BucketWalkOptions {
  /** `hash_size`: H = 2^hash_size buckets (1..20). */
  hashSize: number;
  /** `timer_interval` T in seconds (≥ 10, and floor(T/H) ≥ 1). */
  timerInterval: number;
  /** The start time (ms). The first visit is due one period later. */
  start: number;
}

/**
 * The bucket walk of uac_registrant (docs/opensips-behaviour.md §3): one timer of period floor(T/H) s; each firing
 * visits one bucket, in the cyclic order 0, 1, …, H−1, 0, …; the first firing is one period after start.
 *
 * Driver-agnostic: the caller asks {@link nextDeadline} and arms one timer for it, then calls {@link due} when it fires
 * and visits the bucket returned. Visits stay on the grid start + k·period as long as they are less than a period
 * late; a visit that overruns (the caller comes back more than a period late, e.g. because visiting took that long)
 * delays the next one to a full period after it instead of firing the missed ones in a burst (OpenSIPS
 * TIMER_FLAG_DELAY_ON_DELAY). No bucket is skipped: the order stays 0, 1, …, H−1.
 */
export class BucketWalk {
  /** H. */
  readonly bucketCount: number;
  /** The period between two visits, in ms. */
  readonly periodMs: number;
  #next: number;
  #cursor = 0;
  #visits = 0;
  #delayed = 0;

  /** @throws SchedulerConfigError naming `hash_size` or `timer_interval` */
  constructor(options: BucketWalkOptions) {
    const seconds = bucketPeriodSeconds(options.hashSize, options.timerInterval);
    this.bucketCount = bucketCount(options.hashSize);
    this.periodMs = seconds * 1000;
    this.#next = options.start + this.periodMs;
  }

  /** When the next visit is due (ms). */
  nextDeadline(): number {
    return this.#next;
  }

  /** The bucket the next visit will cover. */
  nextBucket(): number {
    return this.#cursor;
  }

  /** Visits handed out so far. */
  get visits(): number {
    return this.#visits;
  }

  /** Visits that came more than a period late and pushed the grid back. */
  get delayedVisits(): number {
    return this.#delayed;
  }

  /**
   * Claims the visit due at `now`, if any: returns the bucket to visit and moves on to the next deadline; returns
   * undefined when nothing is due yet. At most one bucket is returned per deadline, however late `now` is.
   */
  due(now: number): number | undefined {
    if (now < this.#next) return undefined;
    const bucket = this.#cursor;
    this.#cursor = (bucket + 1) % this.bucketCount;
    this.#visits++;
    let next = this.#next + this.periodMs;
    if (next <= now) {
      next = now + this.periodMs;
      this.#delayed++;
    }
    this.#next = next;
    return bucket;
  }
}
