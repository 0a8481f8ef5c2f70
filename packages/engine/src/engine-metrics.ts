import { type RegistrantState as State, STATE_NAMES, type StateChangeAction, type StateName } from "@uacreg/core";
import type { Logger } from "@uacreg/runtime";
import { type EngineCounters, emptyCounters } from "./engine-counters.js";

/** A state change as listeners see it (docs/contracts.md). `at` is unix seconds. */
export interface StateChangeEvent {
  key: StateChangeAction["key"];
  from: StateName;
  to: StateName;
  reason: string;
  at: number;
}

const STATE_COUNT = STATE_NAMES.length;

/**
 * The engine's counters and events view: the counters (see {@link EngineCounters}), the number of records in the
 * table per state, and the state-change listeners. Plain numbers updated in place; nothing is allocated per event but
 * the listeners' event.
 */
export class EngineMetrics {
  readonly counters: EngineCounters = emptyCounters();
  readonly #perState = new Array<number>(STATE_COUNT).fill(0);
  readonly #listeners = new Set<(e: StateChangeEvent) => void>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** A record entered the table in `state`. */
  added(state: State): void {
    this.#perState[state] = (this.#perState[state] ?? 0) + 1;
  }

  /** A record in `state` left the table. */
  removed(state: State): void {
    this.#perState[state] = (this.#perState[state] ?? 0) - 1;
  }

  /** A record of the table moved from `from` to `to`. */
  moved(from: State, to: State): void {
    if (from === to) return;
    this.#perState[from] = (this.#perState[from] ?? 0) - 1;
    this.#perState[to] = (this.#perState[to] ?? 0) + 1;
  }

  /** Records per state name (all ten names, zeros included). */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let s = 0; s < STATE_COUNT; s++) out[STATE_NAMES[s] as string] = this.#perState[s] ?? 0;
    return out;
  }

  /** Counts a state change of core and tells the listeners (their exceptions are logged, never thrown). */
  stateChanged(action: StateChangeAction): void {
    const c = this.counters;
    switch (action.to) {
      case "REGISTERED_STATE":
        c.registered++;
        break;
      case "WRONG_CREDENTIALS_STATE":
        c.failed++;
        c.authFailures++;
        break;
      case "REGISTER_TIMEOUT_STATE":
        c.failed++;
        c.registerTimeouts++;
        break;
      case "INTERNAL_ERROR_STATE":
      case "REGISTRAR_ERROR_STATE":
        c.failed++;
        break;
    }
    this.#log.debug({ key: action.key, from: action.from, to: action.to, reason: action.reason }, "state change");
    if (this.#listeners.size === 0) return;
    const event: StateChangeEvent = {
      key: action.key,
      from: action.from,
      to: action.to,
      reason: action.reason,
      at: action.at,
    };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: String(error) }, "state-change listener threw");
      }
    }
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (e: StateChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
