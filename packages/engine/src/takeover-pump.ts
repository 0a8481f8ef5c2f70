import type { Clock, TimerHandle } from "@uacreg/runtime";

/**
 * The takeover rate limit (docs/cluster.md §4 "at most `takeover_rate` transactions per second per node"): a token
 * bucket on the engine's clock with ONE timer. Items run at once while tokens last; the bucket refills at `rate` per
 * second and holds at most `rate / 50` (20 ms worth, at least 1), so any second of the clock sees at most
 * `rate + burst` items run. Items are run in the order they were pushed.
 */
export class TakeoverPump<T> {
  readonly rate: number;
  readonly burst: number;
  readonly #clock: Clock;
  readonly #run: (item: T) => void;
  #queue: T[] = [];
  #head = 0;
  #tokens: number;
  #refilledAt: number;
  #timer: TimerHandle | undefined;

  /** @throws RangeError when `rate` is not a positive finite number */
  constructor(clock: Clock, rate: number, run: (item: T) => void) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`takeoverRate must be > 0, got ${rate}`);
    this.rate = rate;
    this.burst = Math.max(1, Math.floor(rate / 50));
    this.#clock = clock;
    this.#run = run;
    this.#tokens = this.burst;
    this.#refilledAt = clock.now();
  }

  /** Items waiting for a token. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues `items` and runs what the bucket allows now. */
  push(items: Iterable<T>): void {
    for (const item of items) this.#queue.push(item);
    this.#pump();
  }

  /** Drops every queued item and the timer (the engine stops). */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #pump(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAt) * this.rate) / 1000);
    this.#refilledAt = now;
    while (this.#tokens >= 1 && this.#head < this.#queue.length) {
      const item = this.#queue[this.#head] as T;
      this.#queue[this.#head++] = undefined as T; // let go of it
      this.#tokens--;
      this.#run(item);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#timer !== undefined) return;
    // Wait until a whole burst (or what is left) is available: one timer per burst, not per item.
    const wanted = Math.min(this.burst, this.#queue.length - this.#head);
    const waitMs = Math.max(1, Math.ceil(((wanted - this.#tokens) * 1000) / this.rate));
    this.#timer = this.#clock.setTimer(waitMs, () => {
      this.#timer = undefined;
      this.#pump();
    });
  }
}
