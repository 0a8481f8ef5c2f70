/**
 * Counts passes of the event loop (its check phase) with a `setImmediate` that re-arms itself, for the tests of
 * the reply pacer (reply-pacer.ts): what happens in one pass is counted, no time is measured.
 */
export interface PassCounter {
  /** Passes counted so far. */
  readonly pass: number;
  stop(): void;
}

export function countPasses(): PassCounter {
  let pass = 0;
  let on = true;
  const tick = () => {
    pass++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get pass() {
      return pass;
    },
    stop() {
      on = false;
    },
  };
}
