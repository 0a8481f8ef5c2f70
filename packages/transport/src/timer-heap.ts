/** Something the {@link TimerHeap} can hold: its deadline and its slot in the heap (-1 when not in it). */
export interface TimerItem {
  deadline: number;
  heapIndex: number;
}

/**
 * A binary min-heap of deadlines: the one timer table of the transport (quinn-proto style). Each item knows its
 * slot, so it is removed at once when its transaction ends (O(log n), no entry object, nothing left behind to hold
 * a finished transaction in memory until its old deadline).
 */
export class TimerHeap<T extends TimerItem> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** Files `item` at `deadline`; an item already in the heap is moved. */
  push(item: T, deadline: number): void {
    if (item.heapIndex >= 0) this.remove(item);
    item.deadline = deadline;
    const h = this.heap;
    h.push(item);
    this.up(h.length - 1, item);
  }

  /** Takes `item` out of the heap (nothing when it is not in it). */
  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const h = this.heap;
    item.heapIndex = -1;
    const last = h.pop()!;
    if (i === h.length) return;
    // Put the last item in the hole, then restore the order around it.
    if (i > 0 && last.deadline < h[(i - 1) >> 1]!.deadline) this.up(i, last);
    else this.down(i, last);
  }

  /** The earliest deadline, or undefined. */
  peekDeadline(): number | undefined {
    return this.heap[0]?.deadline;
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  popDue(now: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.deadline > now) return undefined;
    this.remove(top);
    return top;
  }

  private up(from: number, item: T): void {
    const h = this.heap;
    let i = from;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.deadline <= item.deadline) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = item;
    item.heapIndex = i;
  }

  private down(from: number, item: T): void {
    const h = this.heap;
    const n = h.length;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.deadline < h[l]!.deadline ? r : l;
      const child = h[c]!;
      if (child.deadline >= item.deadline) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = item;
    item.heapIndex = i;
  }
}
