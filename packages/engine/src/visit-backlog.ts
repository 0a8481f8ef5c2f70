/**
 * The due visits that wait for room in the in-flight bound (docs/performance.md "the ramp"), one FIFO per registrar.
 *
 * A bucket visit finds every due record of the bucket at once: with `hash_size: 1` that is half of the table, while
 * the admission queue lets `max_in_flight` (per registrar: its window) out at a time. Handing every due record to core
 * at the visit built a REGISTER for each (request text, pending request, new record, queue entry: ~840 heap bytes per
 * record) and held them all until their turn: at 1,000,000 records gigabytes of RSS during the ramp, and work for the
 * garbage collector, which promoted them to the old generation. Here a record whose send could not go out at once
 * waits as one reference; core builds its REGISTER when the registrar has room (`RecordDispatcher`).
 *
 * Registrars take their turns one record each, as in the admission queue, so one slow registrar does not hold the
 * others back. Memory: one array slot per waiting record.
 */
interface Lane<R> {
  readonly key: string;
  items: Array<R | undefined>;
  head: number;
  /** Emptied and out of the map: dropped from the turn order at the end of the pull. */
  gone: boolean;
}

export class VisitBacklog<R> {
  readonly #lanes = new Map<string, Lane<R>>();
  /** The lanes in turn order: a plain array, so a pull (one per finished exchange) allocates no Map iterator. */
  #order: Array<Lane<R>> = [];
  #size = 0;

  /** Records waiting. */
  get size(): number {
    return this.#size;
  }

  /** True when records of registrar `key` wait (a new one goes behind them). */
  waiting(key: string): boolean {
    return this.#lanes.has(key);
  }

  /** Puts `record` at the end of registrar `key`'s line. */
  push(key: string, record: R): void {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { key, items: [], head: 0, gone: false };
      this.#lanes.set(key, lane);
      this.#order.push(lane);
    }
    lane.items.push(record);
    this.#size++;
  }

  /**
   * Hands waiting records to `take`, oldest first, one registrar after the other in turn, while `hasRoom(key)` says
   * their registrar can take a send now. `take` may start a send (which uses the room) or find the record no longer
   * due (which does not): either way the record has left the backlog.
   */
  pull(hasRoom: (key: string) => boolean, take: (record: R) => void): void {
    let progress = true;
    let emptied = false;
    while (progress && this.#size > 0) {
      progress = false;
      const order = this.#order;
      for (let i = 0; i < order.length; i++) {
        const lane = order[i] as Lane<R>;
        if (lane.gone || !hasRoom(lane.key)) continue;
        const record = lane.items[lane.head] as R;
        lane.items[lane.head] = undefined;
        lane.head++;
        this.#size--;
        if (lane.head === lane.items.length) {
          lane.gone = true;
          emptied = true;
          this.#lanes.delete(lane.key);
        } else if (lane.head >= 1024 && lane.head * 2 >= lane.items.length) {
          // Drop the taken half so the array stays proportional to the records still waiting.
          lane.items = lane.items.slice(lane.head);
          lane.head = 0;
        }
        progress = true;
        take(record);
      }
    }
    if (emptied) this.#order = this.#order.filter((lane) => !lane.gone);
  }

  /** Empties the backlog; returns the records that were waiting, oldest first per registrar. */
  clear(): R[] {
    const out: R[] = [];
    for (const lane of this.#order) {
      lane.gone = true;
      for (let i = lane.head; i < lane.items.length; i++) out.push(lane.items[i] as R);
    }
    this.#lanes.clear();
    this.#order = [];
    this.#size = 0;
    return out;
  }
}
