import type { DialogMark, DialogMarkStore } from "./record-ownership.js";

/** Dialog-mark statements in flight at once by default (docs/cluster.md §4). */
export const DEFAULT_DIALOG_WRITES = 2;

/**
 * A {@link DialogMarkStore} that lets at most `limit` of its statements run at once; the rest wait here, in order.
 * A cold start or a takeover of a large set stores one mark per record: unbounded, those statements filled the
 * database pool ahead of the node's lease renewals, which then missed the trust window and fenced the node
 * (100,000 records: nodes fenced again and again). Waiting here instead leaves the pool's other connections to the
 * lease protocol and the state writes.
 */
export class LimitedDialogMarks implements DialogMarkStore {
  readonly #store: DialogMarkStore;
  readonly #limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  /** @throws RangeError when `limit` is not a positive integer */
  constructor(store: DialogMarkStore, limit = DEFAULT_DIALOG_WRITES) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`dialog write limit must be ≥ 1, got ${limit}`);
    this.#store = store;
    this.#limit = limit;
  }

  /** Statements waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  reserveUnit(unit: string, epoch: number, block: number): Promise<readonly DialogMark[] | undefined> {
    return this.#run(() => this.#store.reserveUnit(unit, epoch, block));
  }

  saveDialog(unit: string, epoch: number, mark: DialogMark): Promise<boolean> {
    return this.#run(() => this.#store.saveDialog(unit, epoch, mark));
  }

  async #run<T>(statement: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((go) => this.#waiting.push(go));
    else this.#running++;
    try {
      return await statement();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined)
        next(); // the slot passes on: #running is unchanged
      else this.#running--;
    }
  }
}
