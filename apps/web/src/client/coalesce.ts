/**
 * Runs a refresh at most once per `delayMs` however many triggers arrive, never two at once, and once more after
 * one in flight when triggered meanwhile: what the page does with a burst of state events (a reload of 20,000
 * records is 20,000 events; the page fetches its 100 rows a few times, not 20,000 times). The timer functions
 * are a parameter, so a test drives it without waiting.
 */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const browserTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Coalescer {
  private timer: unknown = null;
  private running = false;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly delayMs: number,
    private readonly timers: Timers = browserTimers,
  ) {}

  /** Asks for a refresh within `delayMs`. */
  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.fire();
    }, this.delayMs);
  }

  /** Drops a pending refresh (a fresh fetch was just started for another reason). */
  cancel(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.again = false;
  }

  private async fire(): Promise<void> {
    this.running = true;
    try {
      await this.run();
    } catch {
      // the refresh reports its own errors; a failed one must not stop later ones
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.trigger();
    }
  }
}
