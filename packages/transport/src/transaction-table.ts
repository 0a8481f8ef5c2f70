/**
 * The client transactions in progress, by branch number ({@link BranchGenerator.idOf}): a ring-indexed array, the
 * entry of number `id` at slot `id % capacity`. Our branch numbers come from one counter and a transaction lives at
 * most Timer F, so the numbers in progress at any moment lie in a window of the latest ones: they land in distinct
 * slots once the capacity exceeds that window, and the array is then never touched again but to store and clear a
 * pointer. A Map keyed by the branch string grew and shrank its hash table as bursts came and went (allocations the
 * scavenger then moved; docs/performance.md, "Transport and SIP codec per exchange").
 *
 * Two numbers in one slot (the window grew past the capacity) double the array until every live entry has its own
 * slot; it never shrinks (its size is that of the largest window seen, a few hundred kB at worst).
 */
export class TransactionTable<T extends { readonly id: number }> {
  private slots: Array<T | undefined>;
  private count = 0;

  constructor(initialCapacity = 256) {
    this.slots = new Array<T | undefined>(initialCapacity).fill(undefined);
  }

  /** Entries stored. */
  get size(): number {
    return this.count;
  }

  /** Slots in the ring (for tests of the growth). */
  get capacity(): number {
    return this.slots.length;
  }

  /** Stores `item` under its `id`, replacing an entry with the same id. */
  set(item: T): void {
    for (;;) {
      const slots = this.slots;
      const i = item.id % slots.length;
      const current = slots[i];
      if (current === undefined) {
        slots[i] = item;
        this.count++;
        return;
      }
      if (current.id === item.id) {
        slots[i] = item;
        return;
      }
      this.grow();
    }
  }

  /** The entry of number `id`, if any. */
  get(id: number): T | undefined {
    const slots = this.slots;
    const item = slots[id % slots.length];
    return item !== undefined && item.id === id ? item : undefined;
  }

  /** Removes `item` (when it is the entry stored under its id); true when it was there. */
  delete(item: T): boolean {
    const slots = this.slots;
    const i = item.id % slots.length;
    if (slots[i] !== item) return false;
    slots[i] = undefined;
    this.count--;
    return true;
  }

  /** Every entry (a new array; for the rare walks such as closing). */
  values(): T[] {
    const out: T[] = [];
    for (const item of this.slots) if (item !== undefined) out.push(item);
    return out;
  }

  /** Doubles the ring until no two entries share a slot. */
  private grow(): void {
    const old = this.slots;
    let capacity = old.length * 2;
    for (;;) {
      const slots = new Array<T | undefined>(capacity).fill(undefined);
      let clash = false;
      for (const item of old) {
        if (item === undefined) continue;
        const i = item.id % capacity;
        if (slots[i] !== undefined) {
          clash = true;
          break;
        }
        slots[i] = item;
      }
      if (!clash) {
        this.slots = slots;
        return;
      }
      capacity *= 2;
    }
  }
}
