import { formatKey, type RegistrantKey } from "@uacreg/core";
import { type Clock, delay } from "@uacreg/runtime";
import type { RegistrantStore } from "./registrant-store.js";

/** Back-off between attempts of a state write that failed (docs/decisions.md "state writes"). */
export interface StateWriteRetry {
  /** First wait after a failure (ms). Default 1000. */
  initialDelayMs: number;
  /** The wait doubles up to this (ms). Default 30000. */
  maxDelayMs: number;
}

export interface StateWriterOptions {
  /** Times the back-off between attempts. */
  clock: Clock;
  retry?: Partial<StateWriteRetry>;
  /** Is there still a record with this key? A pending write is dropped once its record is gone. Default: always. */
  exists?: (key: RegistrantKey) => boolean;
}

/** The state a record is meant to have in the database, until a write of it lands. */
interface Intent {
  key: RegistrantKey;
  state: 0 | 1;
  /** Bumped by every write(): a write that lands for an older intent is followed by one for the latest. */
  seq: number;
  /** Resolves when the intent has landed (or its record is gone). */
  done: Promise<void>;
  settle: () => void;
}

/**
 * Writes the `state` column core asks for (reg_enable / reg_disable, docs/opensips-behaviour.md §9), and keeps
 * writing it until it lands (docs/decisions.md "state writes"): an MI "OK" means the change is stored or going to be.
 * Per record (by key) one write is in flight at a time and the latest intent wins; a failed write is reported to
 * `onFailure` (the engine counts and logs it) and retried with doubling back-off on the clock, for as long as the
 * record exists. Records do not wait for each other. A full reload asks {@link intendedState} so that a pending
 * write wins over the stale column.
 */
export class StateWriter<R extends object = object> {
  readonly #store: Pick<RegistrantStore, "updateState"> | undefined;
  readonly #onFailure: (key: RegistrantKey, state: 0 | 1, error: unknown) => void;
  readonly #clock: Clock;
  readonly #retry: StateWriteRetry;
  readonly #exists: (key: RegistrantKey) => boolean;
  /** Intents not yet landed, by formatKey(key). */
  readonly #pending = new Map<string, Intent>();

  /** Without a store, writes are dropped (an engine without a database). */
  constructor(
    store: Pick<RegistrantStore, "updateState"> | undefined,
    onFailure: (key: RegistrantKey, state: 0 | 1, error: unknown) => void,
    options: StateWriterOptions,
  ) {
    this.#store = store;
    this.#onFailure = onFailure;
    this.#clock = options.clock;
    this.#retry = { initialDelayMs: 1000, maxDelayMs: 30_000, ...options.retry };
    this.#exists = options.exists ?? (() => true);
  }

  /** Sets the state `record` must have in the database and writes it after its earlier writes. */
  write(_record: R, key: RegistrantKey, state: 0 | 1): void {
    const store = this.#store;
    if (store === undefined) return;
    const id = formatKey(key);
    const current = this.#pending.get(id);
    if (current !== undefined) {
      current.state = state;
      current.seq += 1;
      return; // the running loop writes the latest intent next
    }
    let settle = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const intent: Intent = { key, state, seq: 0, done, settle };
    this.#pending.set(id, intent);
    void this.#drain(store, id, intent);
  }

  /** The state a pending (not yet landed) write will store for `key`, if any. */
  intendedState(key: RegistrantKey): 0 | 1 | undefined {
    // Asked for every row of a load: no identity string built when no write is pending (almost always).
    if (this.#pending.size === 0) return undefined;
    return this.#pending.get(formatKey(key))?.state;
  }

  /** Writes not landed yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves once every write queued so far has landed (or its record is gone). */
  async flushed(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending.values()].map((i) => i.done));
  }

  async #drain(store: Pick<RegistrantStore, "updateState">, id: string, intent: Intent): Promise<void> {
    let delay = this.#retry.initialDelayMs;
    for (;;) {
      const { state, seq } = intent;
      try {
        await store.updateState(intent.key, state);
        if (intent.seq === seq) break;
        delay = this.#retry.initialDelayMs; // a newer intent came while writing: write it now
        continue;
      } catch (error) {
        this.#onFailure(intent.key, state, error);
      }
      if (!this.#exists(intent.key)) break;
      await this.#sleep(delay);
      delay = Math.min(delay * 2, this.#retry.maxDelayMs);
      if (!this.#exists(intent.key)) break;
    }
    this.#pending.delete(id);
    intent.settle();
  }

  #sleep(ms: number): Promise<void> {
    return delay(this.#clock, ms);
  }
}
