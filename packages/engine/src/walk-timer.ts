import type { Clock, TimerHandle } from "@uacreg/runtime";
import { BucketWalk } from "@uacreg/scheduler";

/** Options of the {@link WalkTimer}. */
export interface WalkTimerOptions {
  hashSize: number;
  timerInterval: number;
  clock: Clock;
  /** Called with the bucket to visit. Exceptions are the caller's business: they are caught and passed to onError. */
  visit: (bucket: number) => void;
  onError: (error: unknown) => void;
}

/**
 * The ONE timer that drives the bucket walk (docs/opensips-behaviour.md §3): a single clock timer armed for the walk's
 * next deadline on the monotonic `clock.now()`, so wall-clock jumps neither skip nor repeat visits. There is no timer
 * per record.
 */
export class WalkTimer {
  readonly #walk: BucketWalk;
  readonly #clock: Clock;
  readonly #visit: (bucket: number) => void;
  readonly #onError: (error: unknown) => void;
  #timer: TimerHandle | undefined;
  #running = false;

  /** @throws SchedulerConfigError when hash_size / timer_interval are refused */
  constructor(options: WalkTimerOptions) {
    this.#clock = options.clock;
    this.#walk = new BucketWalk({
      hashSize: options.hashSize,
      timerInterval: options.timerInterval,
      start: options.clock.now(),
    });
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
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.#running;
  }

  #arm(): void {
    if (!this.#running) return;
    const delay = Math.max(0, this.#walk.nextDeadline() - this.#clock.now());
    this.#timer = this.#clock.setTimer(Math.ceil(delay), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const bucket = this.#walk.due(this.#clock.now());
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
