import type { RegistrantKey } from "@uacreg/core";
import type { RegistrantStore } from "./registrant-store.js";

/**
 * Writes the `state` column core asks for (reg_enable / reg_disable, docs/opensips-behaviour.md §9). The writes of one
 * record are chained, so the database ends with the last one; records do not wait for each other. A failed write is
 * reported to `onFailure` (the engine counts and logs it) and does not stop the next one.
 */
export class StateWriter<R extends object> {
  readonly #store: Pick<RegistrantStore, "updateState"> | undefined;
  readonly #onFailure: (key: RegistrantKey, state: 0 | 1, error: unknown) => void;
  /** The last write in progress per record. */
  readonly #chains = new Map<R, Promise<void>>();

  /** Without a store, writes are dropped (an engine without a database). */
  constructor(
    store: Pick<RegistrantStore, "updateState"> | undefined,
    onFailure: (key: RegistrantKey, state: 0 | 1, error: unknown) => void,
  ) {
    this.#store = store;
    this.#onFailure = onFailure;
  }

  /** Queues `UPDATE … SET state` for `record` after its earlier writes. */
  write(record: R, key: RegistrantKey, state: 0 | 1): void {
    const store = this.#store;
    if (store === undefined) return;
    const run = async () => {
      try {
        await store.updateState(key, state);
      } catch (error) {
        this.#onFailure(key, state, error);
      }
    };
    const previous = this.#chains.get(record);
    const p = previous === undefined ? run() : previous.then(run);
    this.#chains.set(record, p);
    void p.then(() => {
      if (this.#chains.get(record) === p) this.#chains.delete(record);
    });
  }

  /** Resolves once every write queued so far has ended. */
  async flushed(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }
}
