import { performance } from "node:perf_hooks";
import { BucketWalk } from "@uacreg/scheduler";

/** Options of the {@link WalkTimer}. */
export interface WalkTimerOptions {
  hashSize: number;
  timerInterval: number;
  /** FOR TESTS ONLY: the bucket period in ms instead of floor(T/H)·1000 (see the engine's `tickMs`). */
  periodMs?: number;
  /** Called with the bucket to visit. Exceptions are the caller's business: they are caught and passed to onError. */
  visit: (bucket: number) => void;
  onError: (error: unknown) => void;
}

/**
 * The ONE real timer that drives the bucket walk (reference §3): a single `setTimeout` armed for the walk's next
 * deadline, on the monotonic clock (`performance.now()`), so wall-clock jumps neither skip nor repeat visits. There is
 * no timer per record.
 */
export class WalkTimer {
  readonly #walk: BucketWalk;
  readonly #visit: (bucket: number) => void;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  /** @throws SchedulerConfigError when hash_size / timer_interval are refused */
  constructor(options: WalkTimerOptions) {
    const walkOptions =
      options.periodMs === undefined
        ? { hashSize: options.hashSize, timerInterval: options.timerInterval, start: performance.now() }
        : {
            hashSize: options.hashSize,
            timerInterval: options.timerInterval,
            start: performance.now(),
            periodMs: options.periodMs,
          };
    this.#walk = new BucketWalk(walkOptions);
    this.#visit = options.visit;
    this.#onError = options.onError;
  }

  /** H. */
  get bucketCount(): number {
    return this.#walk.bucketCount;
  }

  /** The visit period in ms. */
  get periodMs(): number {
    return this.#walk.periodMs;
  }

  /** Visits done so far. */
  get visits(): number {
    return this.#walk.visits;
  }

  /** Visits that came a period late or more. */
  get delayedVisits(): number {
    return this.#walk.delayedVisits;
  }

  /** Starts the walk: the first visit is one period after the timer was created. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  /** Stops the walk; no visit happens after this returns. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.#running;
  }

  #arm(): void {
    if (!this.#running) return;
    const delay = Math.max(0, this.#walk.nextDeadline() - performance.now());
    this.#timer = setTimeout(() => this.#fire(), Math.ceil(delay));
  }

  #fire(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const bucket = this.#walk.due(performance.now());
    if (bucket !== undefined) {
      try {
        this.#visit(bucket);
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#arm();
  }
}
