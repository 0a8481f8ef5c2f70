/**
 * The one clock of uacreg (docs/architecture.md "Time"). Every layer below the apps takes a {@link Clock} instead of
 * reading `performance.now()` / `Date.now()` or calling `setTimeout`: production passes {@link systemClock}, tests a
 * `VirtualClock` (`@uacreg/clock/testing`) that jumps to the next deadline.
 */
export interface Clock {
  /** Monotonic milliseconds from an arbitrary origin; never goes backwards (deadlines and timers use it). */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch (what operators see: `reg_list` times, core's unix seconds). */
  wallNow(): number;
  /**
   * Calls `callback` once, no earlier than `now() + delayMs` (a negative delay counts as 0). A timer never keeps
   * the process alive on its own: the sockets and servers of the owner do.
   */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** A timer armed with {@link Clock.setTimer}. */
export interface TimerHandle {
  /** Cancels the timer; harmless after it fired or was cancelled. */
  cancel(): void;
}
