/**
 * THE in-flight bound of uacreg (docs/architecture.md): at most `max` transactions out at once; further sends wait
 * in FIFO order per registrar. A queued send that is no longer wanted when its turn comes (core abandoned the request:
 * tag backup, record replaced, node stopping) is dropped, never sent. The transport keeps no queue of its own: only
 * the engine knows when core abandoned a request.
 *
 * Within that bound each registrar (the request's next hop, `key`) has its own adaptive window, the way TCP
 * congestion control has one per connection (RFC 5681 §3.1): it starts at {@link INITIAL_WINDOW}, grows by one per
 * reply while below the slow-start threshold (doubling per round trip, so a fast registrar is not held back) and by
 * one per window of replies above it, and is halved (never below {@link MIN_WINDOW}) on a congestion signal: a
 * timeout, a 503, or a reply that needed retransmissions (the dispatcher's `congestionSignal`). One halving per loss
 * event (at most once per window, as TCP halves once per round trip): a signal from a transaction that started before
 * the last halving does not halve again, so one burst of losses does not collapse the window.
 *
 * A send is a pair (record, request): nothing is allocated for a send admitted at once, one entry for a queued one.
 */

/** The window a registrar starts with (sends in flight to it at once). */
export const INITIAL_WINDOW = 32;
/** The smallest window after halvings: a registrar that times out still gets this many at once. */
export const MIN_WINDOW = 16;

/** What a finished transaction says about its registrar's load. */
export type CongestionSignal = "ok" | "congestion" | "neutral";

interface Lane<R, S> {
  readonly key: string;
  /** The window (fractional while growing by 1/window per reply). */
  window: number;
  /** Slow-start threshold: growth is +1 per reply below it, +1/window above it. */
  threshold: number;
  /** Halvings so far: a send carries the value at its start (one halving per loss event). */
  epoch: number;
  inFlight: number;
  readonly queue: Array<{ record: R; send: S } | undefined>;
  head: number;
}

export interface AdmissionQueueOptions<R, S> {
  /** The global bound (`max_in_flight`), and the bound of every window. */
  max: number;
  /** Sends now (called with a slot taken); `epoch` goes back to {@link AdmissionQueue.release}. */
  start: (record: R, send: S, epoch: number) => void;
  /** Whether a queued send still goes out when its turn comes. */
  wanted: (record: R, send: S) => boolean;
  /** The registrar a send goes to (its window); one window for all when absent. */
  key?: (send: S) => string;
}

export class AdmissionQueue<R, S> {
  readonly #max: number;
  readonly #start: (record: R, send: S, epoch: number) => void;
  readonly #wanted: (record: R, send: S) => boolean;
  readonly #key: (send: S) => string;
  /** One lane per registrar key (keys come from the registrant table, not from the network). */
  readonly #lanes = new Map<string, Lane<R, S>>();
  /** Lanes with queued sends, served in turn. */
  #waiting: Array<Lane<R, S>> = [];
  #inFlight = 0;
  #queued = 0;

  /** @throws RangeError when `max` < 1 */
  constructor(o: AdmissionQueueOptions<R, S>) {
    if (!(o.max >= 1)) throw new RangeError(`maxInFlight must be ≥ 1, got ${o.max}`);
    this.#max = o.max;
    this.#start = o.start;
    this.#wanted = o.wanted;
    this.#key = o.key ?? (() => "");
  }

  /** Transactions out now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sends waiting for a slot now. */
  get queued(): number {
    return this.#queued;
  }

  /** The current window of registrar `key` (whole sends), {@link INITIAL_WINDOW} (bounded by max) for a new one. */
  window(key: string): number {
    const lane = this.#lanes.get(key);
    return lane === undefined ? Math.min(INITIAL_WINDOW, this.#max) : this.#limit(lane);
  }

  /**
   * True when a send to registrar `key` admitted now would go out at once: the global bound and the registrar's
   * window have room and nothing of that registrar waits ahead of it.
   */
  hasRoom(key: string): boolean {
    if (this.#inFlight >= this.#max) return false;
    const lane = this.#lanes.get(key);
    return lane === undefined || (lane.inFlight < this.#limit(lane) && lane.head === lane.queue.length);
  }

  /** Sends at once if the registrar's window and the global bound have room, else queues. */
  admit(record: R, send: S): void {
    const lane = this.#lane(this.#key(send));
    // A follow-up admitted between release and drain (the answer to a 401) takes the freed slot ahead of the queue.
    if (this.#room(lane)) {
      this.#go(lane, record, send);
      return;
    }
    if (lane.head === lane.queue.length) this.#waiting.push(lane);
    lane.queue.push({ record, send });
    this.#queued++;
  }

  /**
   * A transaction to `key` that started at `epoch` ended with `signal`: its slot is free and the window adapts. Call
   * {@link drain} after handling the outcome; a send admitted in between (the follow-up of that transaction: the
   * answer to a 401) takes the slot at once.
   */
  release(key: string, epoch: number, signal: CongestionSignal): void {
    this.#inFlight--;
    const lane = this.#lanes.get(key);
    if (lane === undefined) return;
    const wasFull = lane.inFlight >= this.#limit(lane) || lane.head < lane.queue.length;
    lane.inFlight--;
    if (signal === "congestion") {
      if (epoch === lane.epoch) {
        lane.epoch++;
        lane.threshold = Math.max(MIN_WINDOW, lane.window / 2);
        lane.window = Math.max(Math.min(MIN_WINDOW, this.#max), Math.floor(lane.window / 2));
      }
    } else if (signal === "ok" && wasFull) {
      // Grow only while the window is what holds sends back (RFC 7661: no growth for an unused window).
      lane.window = Math.min(this.#max, lane.window + (lane.window < lane.threshold ? 1 : 1 / lane.window));
    }
  }

  /** Gives free slots to the oldest queued sends still wanted, registrar by registrar in turn. */
  drain(): void {
    let progress = true;
    while (progress && this.#inFlight < this.#max && this.#waiting.length > 0) {
      progress = false;
      const next: Array<Lane<R, S>> = [];
      for (const lane of this.#waiting) {
        while (this.#inFlight < this.#max && lane.head < lane.queue.length && lane.inFlight < this.#limit(lane)) {
          const entry = lane.queue[lane.head];
          lane.queue[lane.head] = undefined;
          lane.head++;
          this.#queued--;
          if (entry !== undefined && this.#wanted(entry.record, entry.send)) {
            this.#go(lane, entry.record, entry.send);
            progress = true;
            break; // one per lane per turn: registrars share the global bound fairly
          }
        }
        if (lane.head < lane.queue.length) next.push(lane);
        else {
          lane.queue.length = 0;
          lane.head = 0;
        }
      }
      this.#waiting = next;
    }
  }

  /** True when nothing is out and nothing waits. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#queued === 0;
  }

  #lane(key: string): Lane<R, S> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = {
        key,
        window: Math.min(INITIAL_WINDOW, this.#max),
        threshold: this.#max,
        epoch: 0,
        inFlight: 0,
        queue: [],
        head: 0,
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #limit(lane: Lane<R, S>): number {
    return Math.min(this.#max, Math.floor(lane.window));
  }

  #room(lane: Lane<R, S>): boolean {
    return this.#inFlight < this.#max && lane.inFlight < this.#limit(lane);
  }

  #go(lane: Lane<R, S>, record: R, send: S): void {
    this.#inFlight++;
    lane.inFlight++;
    this.#start(record, send, lane.epoch);
  }
}
