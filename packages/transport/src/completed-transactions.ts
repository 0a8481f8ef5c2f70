import type { SipResponse } from "@uacreg/sip";
import { cseqHeaderIs } from "@uacreg/sip";

/**
 * Non-INVITE client transactions in the Completed state on UDP, waiting for Timer K (RFC 3261 §17.1.2.2: "buffer any
 * response retransmissions that arrive", for T4). Each one keeps only what matching a retransmitted response needs:
 * its branch number (see {@link BranchGenerator.idOf}), Call-ID, CSeq number and method, and its deadline; no object
 * per transaction, so thousands completing per second leave nothing behind for the garbage collector to move.
 *
 * T4 is the same for every transaction of a transport, so deadlines arrive in completion order: a FIFO in a ring of
 * parallel arrays, and for lookups a second ring from branch number to position (slot `id % length`: the numbers
 * completed within T4 are a window of recent ones, so they get distinct slots once that ring is larger than the
 * window; it doubles when two share a slot). A Map from number to position grew and shrank with every burst. The ring doubles when full and is never
 * copied otherwise: arrays rebuilt as entries come and go lived for seconds, so the scavenger promoted every copy to
 * the old generation (docs/performance.md, "Allocation and the garbage collector per refresh").
 */
export class CompletedTransactions {
  /** Slot `id % length` → position + 1 of the entry of branch number `id` (0: none); position % capacity is its slot. */
  private positionOf = new Float64Array(256);
  /** Entries reachable through `positionOf`. */
  private count = 0;
  private capacity = 0;
  private ids = new Float64Array(0);
  private deadlines = new Float64Array(0);
  private cseqs = new Float64Array(0);
  private callIds: Array<string | undefined> = [];
  private methods: Array<string | undefined> = [];
  /** Position of the oldest live entry. */
  private head = 0;
  /** Position after the newest entry. */
  private tail = 0;

  get size(): number {
    return this.count;
  }

  /** Files a transaction that completed; `deadline` (Timer K) must not be before the previous one. */
  add(id: number, deadline: number, callId: string, cseq: number, method: string): void {
    if (this.tail - this.head === this.capacity) this.grow();
    const i = this.tail % this.capacity;
    this.index(id, this.tail);
    this.ids[i] = id;
    this.deadlines[i] = deadline;
    this.callIds[i] = callId;
    this.cseqs[i] = cseq;
    this.methods[i] = method;
    this.tail++;
  }

  /**
   * True when `res` is a retransmission of the final response of the completed transaction `id`: same CSeq number
   * and method and same Call-ID (RFC 3261 §17.1.3, as for a transaction in progress).
   * @throws SipParseError on a malformed CSeq
   */
  absorbs(id: number, res: SipResponse): boolean {
    const position = this.find(id);
    if (position < 0) return false;
    const i = position % this.capacity;
    return cseqHeaderIs(res, this.cseqs[i]!, this.methods[i]!) && res.headerIs("Call-ID", this.callIds[i]!);
  }

  /** The earliest Timer K deadline, or undefined. */
  nextDeadline(): number | undefined {
    return this.head < this.tail ? this.deadlines[this.head % this.capacity] : undefined;
  }

  /** Timer K: forgets every transaction whose deadline is at or before `now`. */
  expire(now: number): void {
    const cap = this.capacity;
    let h = this.head;
    while (h < this.tail) {
      const i = h % cap;
      if (this.deadlines[i]! > now) break;
      const k = this.ids[i]! % this.positionOf.length;
      if (this.positionOf[k] === h + 1) {
        this.positionOf[k] = 0;
        this.count--;
      }
      this.callIds[i] = undefined;
      this.methods[i] = undefined;
      h++;
    }
    this.head = h;
  }

  /** Forgets everything (and lets go of the ring). */
  clear(): void {
    this.positionOf = new Float64Array(256);
    this.count = 0;
    this.capacity = 0;
    this.ids = new Float64Array(0);
    this.deadlines = new Float64Array(0);
    this.cseqs = new Float64Array(0);
    this.callIds = [];
    this.methods = [];
    this.head = 0;
    this.tail = 0;
  }

  /** Position of the live entry of branch number `id`, or -1. */
  private find(id: number): number {
    const p = this.positionOf[id % this.positionOf.length]! - 1;
    return p >= this.head && p < this.tail && this.ids[p % this.capacity] === id ? p : -1;
  }

  /** Makes `position` the entry of `id` (replacing an older entry of the same number, as a map would). */
  private index(id: number, position: number): void {
    for (;;) {
      const map = this.positionOf;
      const k = id % map.length;
      const current = map[k]! - 1;
      if (current < this.head || current >= this.tail) {
        map[k] = position + 1;
        this.count++;
        return;
      }
      if (this.ids[current % this.capacity] === id) {
        map[k] = position + 1;
        return;
      }
      this.growIndex();
    }
  }

  /** Doubles the number → position ring until no two live entries share a slot. */
  private growIndex(): void {
    const old = this.positionOf;
    for (let length = old.length * 2; ; length *= 2) {
      const map = new Float64Array(length);
      let clash = false;
      for (let k = 0; k < old.length && !clash; k++) {
        const p = old[k]! - 1;
        if (p < this.head || p >= this.tail) continue;
        const slot = this.ids[p % this.capacity]! % length;
        if (map[slot] !== 0) clash = true;
        else map[slot] = p + 1;
      }
      if (!clash) {
        this.positionOf = map;
        return;
      }
    }
  }

  /** Doubles the ring (64 entries at first), every live entry moved to its slot in the new one. */
  private grow(): void {
    const old = this.capacity;
    const cap = old === 0 ? 64 : old * 2;
    const ids = new Float64Array(cap);
    const deadlines = new Float64Array(cap);
    const cseqs = new Float64Array(cap);
    const callIds = new Array<string | undefined>(cap).fill(undefined);
    const methods = new Array<string | undefined>(cap).fill(undefined);
    for (let p = this.head; p < this.tail; p++) {
      const from = p % old;
      const to = p % cap;
      ids[to] = this.ids[from]!;
      deadlines[to] = this.deadlines[from]!;
      cseqs[to] = this.cseqs[from]!;
      callIds[to] = this.callIds[from];
      methods[to] = this.methods[from];
    }
    this.capacity = cap;
    this.ids = ids;
    this.deadlines = deadlines;
    this.cseqs = cseqs;
    this.callIds = callIds;
    this.methods = methods;
  }
}
