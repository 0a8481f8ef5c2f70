import type { Clock, TimerHandle } from "./clock.js";

interface VirtualTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Monotonic start, ms (default 0). */
  start?: number;
  /** Wall-clock time at `start`, ms since the epoch (default 2026-01-01T00:00:00Z). */
  wallStart?: number;
}

/** Lets every promise callback that is already queued run (and the ones they queue), without advancing time. */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when the test says so (docs/architecture.md "Time"; quinn-proto's simulated time is the
 * model). Time jumps straight to the next deadline: a test of a 3600 s refresh runs in microseconds and never sleeps.
 * Timers due at the same instant fire in the order they were armed; a timer armed by a callback for a time inside the
 * current jump fires within the same jump. The async methods let queued promise callbacks run after each timer, so
 * work that a timer starts through promises (a send, a database write) completes before the next timer fires.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly #wallOffset: number;
  #seq = 0;
  #timers: VirtualTimer[] = [];

  constructor(options: VirtualClockOptions = {}) {
    this.#now = options.start ?? 0;
    this.#wallOffset = (options.wallStart ?? Date.UTC(2026, 0, 1)) - this.#now;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#now + this.#wallOffset;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: VirtualTimer = {
      at: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers armed and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#live().length;
  }

  /** The deadline of the earliest live timer, or undefined when none is armed. */
  nextDeadline(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (in deadline order, the clock standing
   * at each timer's deadline while it runs) and letting promise callbacks settle after each. Ends at now + ms.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > end) break;
      this.#fire(next);
      await settle();
    }
    this.#now = end;
  }

  /** Jumps to the earliest deadline and fires what is due there. False when no timer is armed. */
  async runNext(): Promise<boolean> {
    await settle();
    const next = this.#earliest();
    if (next === undefined) return false;
    await this.advance(next.at - this.#now);
    return true;
  }

  /**
   * Jumps from deadline to deadline until `done()` holds (checked before each jump) or `limitMs` of virtual time
   * has passed; returns whether `done()` held. Use it to wait for an outcome without guessing how long it takes.
   */
  async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    const end = this.#now + limitMs;
    await settle();
    while (!done()) {
      const next = this.#earliest();
      if (next === undefined || next.at > end) {
        await this.advance(end - this.#now);
        return done();
      }
      await this.advance(next.at - this.#now);
    }
    return true;
  }

  /**
   * Moves time forward by `ms` and fires nothing: the process was held up (SIGSTOP, a long GC pause, a blocking disk
   * write). What fell due meanwhile fires late, at the clock's new time, on the next {@link advance} or
   * {@link advanceSync}, as a real timer fires after a hold.
   */
  hold(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  /** Synchronous variant of {@link advance} for code with no promises on its path (pure layers). */
  advanceSync(ms: number): void {
    const end = this.#now + Math.max(0, ms);
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > end) break;
      this.#fire(next);
    }
    this.#now = end;
  }

  #fire(timer: VirtualTimer): void {
    this.#now = Math.max(this.#now, timer.at);
    timer.cancelled = true;
    this.#timers = this.#live();
    timer.callback();
  }

  #live(): VirtualTimer[] {
    return this.#timers.filter((t) => !t.cancelled);
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.#timers) {
      if (t.cancelled) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
