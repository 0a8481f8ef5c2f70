import type { Clock } from "./clock.js";

/** How a call given a time limit ended: its value, its error (a throw counts as one), or the limit passed first. */
export type WithinResult<T> =
  | { readonly kind: "value"; readonly value: T }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "timeout" };

/**
 * Runs `run` and settles with whichever comes first on `clock`: its outcome, or `ms` passing (the call is then
 * abandoned, not cancelled: a late answer is ignored). Never rejects. One timer, cancelled when the call answers.
 */
export function within<T>(clock: Clock, ms: number, run: () => Promise<T>): Promise<WithinResult<T>> {
  return new Promise<WithinResult<T>>((resolve) => {
    let done = false;
    const settle = (result: WithinResult<T>) => {
      if (done) return;
      done = true;
      timer.cancel();
      resolve(result);
    };
    const timer = clock.setTimer(ms, () => settle({ kind: "timeout" }));
    let reply: Promise<T>;
    try {
      reply = run();
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
      (value) => settle({ kind: "value", value }),
      (error: unknown) => settle({ kind: "error", error }),
    );
  });
}

/** Resolves once `ms` have passed on `clock` (a retry's back-off, a poll's pause): one timer, never rejects. */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise<void>((resolve) => clock.setTimer(ms, resolve));
}
