/**
 * A binary min-heap of deadlines: the one timer table of the transport (quinn-proto style). Entries are cancelled
 * lazily: a cancelled entry stays in the heap and is skipped when it reaches the top, so cancel is O(1).
 */
export interface TimerEntry<T> {
  readonly deadline: number;
  readonly item: T;
  cancelled: boolean;
}

export class TimerHeap<T> {
  private readonly heap: TimerEntry<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** Adds `item` due at `deadline`; keep the entry to cancel it. */
  push(deadline: number, item: T): TimerEntry<T> {
    const entry: TimerEntry<T> = { deadline, item, cancelled: false };
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.deadline <= deadline) break;
      h[i] = parent;
      i = p;
    }
    h[i] = entry;
    return entry;
  }

  /** The earliest live deadline, or undefined. */
  peekDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.deadline;
  }

  /** Removes and returns the earliest live entry if it is due at `now`. */
  popDue(now: number): TimerEntry<T> | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.deadline > now) return undefined;
    this.removeTop();
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.removeTop();
  }

  private removeTop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.deadline < h[l]!.deadline ? r : l;
      if (h[c]!.deadline >= last.deadline) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
