import type { Clock, TimerHandle } from "./clock.js";

/**
 * The real clock: `performance.now()` for monotonic time, `Date.now()` for wall time, `setTimeout` (unref'd) for
 * timers. The only module of the packages that reads the machine's clock (docs/architecture.md "Time").
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, Math.ceil(delayMs)));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
