/**
 * THE in-flight bound of uacreg (docs/architecture.md): at most `max` transactions out at once; further sends wait
 * in FIFO order. A queued send that is no longer wanted when its turn comes (core abandoned the request: tag backup,
 * record replaced, node stopping) is dropped, never sent. The transport keeps no queue of its own: only the engine
 * knows when core abandoned a request.
 *
 * A send is a pair (record, request): nothing is allocated for a send admitted at once, one entry for a queued one.
 */
export class AdmissionQueue<R, S> {
  readonly #max: number;
  readonly #start: (record: R, send: S) => void;
  readonly #wanted: (record: R, send: S) => boolean;
  readonly #queue: Array<{ record: R; send: S } | undefined> = [];
  #head = 0;
  #inFlight = 0;
  readonly #idle = new Set<() => void>();

  /**
   * @param start sends now (called with a slot taken)
   * @param wanted whether a queued send still goes out when its turn comes
   * @throws RangeError when `max` < 1
   */
  constructor(max: number, start: (record: R, send: S) => void, wanted: (record: R, send: S) => boolean) {
    if (!(max >= 1)) throw new RangeError(`maxInFlight must be ≥ 1, got ${max}`);
    this.#max = max;
    this.#start = start;
    this.#wanted = wanted;
  }

  /** Transactions out now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sends waiting for a slot now. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Sends at once if a slot is free, else queues. */
  admit(record: R, send: S): void {
    if (this.#inFlight < this.#max) {
      this.#inFlight++;
      this.#start(record, send);
    } else this.#queue.push({ record, send });
  }

  /**
   * A transaction ended: its slot is free. Call {@link drain} after handling the outcome; a send admitted in between
   * (the follow-up of that transaction: the answer to a 401) takes the slot at once.
   */
  release(): void {
    this.#inFlight--;
  }

  /** Gives the free slots to the oldest queued sends still wanted; tells the idle waiters when all is done. */
  drain(): void {
    while (this.#inFlight < this.#max && this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      this.#queue[this.#head] = undefined;
      this.#head++;
      if (next !== undefined && this.#wanted(next.record, next.send)) {
        this.#inFlight++;
        this.#start(next.record, next.send);
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    if (this.#inFlight === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  /** True when nothing is out and nothing waits. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#queue.length === this.#head;
  }

  /** Calls `callback` once the queue is idle (at once if it is); returns the function that cancels the call. */
  whenIdle(callback: () => void): () => void {
    if (this.idle) {
      callback();
      return () => {};
    }
    this.#idle.add(callback);
    return () => {
      this.#idle.delete(callback);
    };
  }
}
