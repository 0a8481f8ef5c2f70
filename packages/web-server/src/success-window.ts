/**
 * "Registration success over the last minutes" (issue 13) for `GET /api/summary`: the state changes into
 * REGISTERED (ok) and into a failure state (failed) over a sliding window, counted in one-second buckets of a ring
 * on the {@link Clock} (no timer; a bucket is cleared when time reaches it again). Memory is two typed arrays.
 */
import { ERROR_STATES, stateName } from "@uacreg/core";
import type { Clock } from "@uacreg/runtime";

/**
 * The failure states (core's error states: REGISTER_TIMEOUT, INTERNAL_ERROR, WRONG_CREDENTIALS, REGISTRAR_ERROR):
 * entering one counts as a failed registration (docs/web-api.md §2).
 */
export const FAILURE_STATES: ReadonlySet<string> = new Set<string>(ERROR_STATES.map(stateName));

/** The success figures of the summary. */
export interface SuccessFigures {
  windowSeconds: number;
  ok: number;
  failed: number;
  /** ok / (ok + failed), null when there was neither. */
  ratio: number | null;
}

export class SuccessWindow {
  readonly #clock: Clock;
  readonly #seconds: number;
  readonly #ok: Uint32Array;
  readonly #failed: Uint32Array;
  /** The monotonic second each bucket was last written for. */
  readonly #stamp: Float64Array;

  constructor(clock: Clock, windowSeconds = 300) {
    this.#clock = clock;
    this.#seconds = windowSeconds;
    this.#ok = new Uint32Array(windowSeconds);
    this.#failed = new Uint32Array(windowSeconds);
    this.#stamp = new Float64Array(windowSeconds).fill(-1);
  }

  /** Counts a state change into `to`: REGISTERED is a success, a failure state a failure, others nothing. */
  observe(to: string): void {
    const ok = to === "REGISTERED_STATE";
    if (!ok && !FAILURE_STATES.has(to)) return;
    const second = Math.floor(this.#clock.now() / 1000);
    const b = second % this.#seconds;
    if (this.#stamp[b] !== second) {
      this.#stamp[b] = second;
      this.#ok[b] = 0;
      this.#failed[b] = 0;
    }
    if (ok) this.#ok[b] = (this.#ok[b] as number) + 1;
    else this.#failed[b] = (this.#failed[b] as number) + 1;
  }

  /** The counts of the last `windowSeconds` seconds (the current one included). */
  figures(): SuccessFigures {
    const second = Math.floor(this.#clock.now() / 1000);
    let ok = 0;
    let failed = 0;
    for (let b = 0; b < this.#seconds; b++) {
      const s = this.#stamp[b] as number;
      if (s < 0 || s <= second - this.#seconds || s > second) continue;
      ok += this.#ok[b] as number;
      failed += this.#failed[b] as number;
    }
    const total = ok + failed;
    return { windowSeconds: this.#seconds, ok, failed, ratio: total === 0 ? null : ok / total };
  }
}
