import type { SipResponse } from "@uacreg/sip";
import { cseqIs } from "@uacreg/sip";

/**
 * Non-INVITE client transactions in the Completed state on UDP, waiting for Timer K (RFC 3261 §17.1.2.2: "buffer any
 * response retransmissions that arrive", for T4). Each one keeps only what matching a retransmitted response needs:
 * its branch number (see {@link BranchGenerator.idOf}), Call-ID, CSeq number and method, and its deadline; no object
 * per transaction, so thousands completing per second leave nothing behind for the garbage collector to move.
 *
 * T4 is the same for every transaction of a transport, so deadlines arrive in completion order: a FIFO of parallel
 * arrays, and a map from branch number to position for lookups.
 */
export class CompletedTransactions {
  /** Branch number → position (`base` + index in the arrays). */
  private readonly positions = new Map<number, number>();
  private ids: number[] = [];
  private deadlines: number[] = [];
  private callIds: string[] = [];
  private cseqs: number[] = [];
  private methods: string[] = [];
  /** Index of the oldest live entry in the arrays. */
  private head = 0;
  /** Position of index 0 of the arrays. */
  private base = 0;

  get size(): number {
    return this.positions.size;
  }

  /** Files a transaction that completed; `deadline` (Timer K) must not be before the previous one. */
  add(id: number, deadline: number, callId: string, cseq: number, method: string): void {
    this.positions.set(id, this.base + this.ids.length);
    this.ids.push(id);
    this.deadlines.push(deadline);
    this.callIds.push(callId);
    this.cseqs.push(cseq);
    this.methods.push(method);
  }

  /**
   * True when `res` is a retransmission of the final response of the completed transaction `id`: same CSeq number
   * and method and same Call-ID (RFC 3261 §17.1.3, as for a transaction in progress).
   * @throws SipParseError on a malformed CSeq
   */
  absorbs(id: number, res: SipResponse): boolean {
    const position = this.positions.get(id);
    if (position === undefined) return false;
    const i = position - this.base;
    const cseq = res.getHeader("CSeq");
    return (
      cseq !== undefined &&
      cseqIs(cseq, this.cseqs[i]!, this.methods[i]!) &&
      res.getHeader("Call-ID") === this.callIds[i]
    );
  }

  /** The earliest Timer K deadline, or undefined. */
  nextDeadline(): number | undefined {
    return this.head < this.ids.length ? this.deadlines[this.head] : undefined;
  }

  /** Timer K: forgets every transaction whose deadline is at or before `now`. */
  expire(now: number): void {
    const n = this.ids.length;
    let h = this.head;
    while (h < n && this.deadlines[h]! <= now) {
      this.positions.delete(this.ids[h]!);
      h++;
    }
    this.head = h;
    if (h === n) {
      this.reset(this.base + n);
    } else if (h >= 1024 && h * 2 >= n) {
      // Drop the expired half so the arrays stay proportional to the live entries.
      this.ids = this.ids.slice(h);
      this.deadlines = this.deadlines.slice(h);
      this.callIds = this.callIds.slice(h);
      this.cseqs = this.cseqs.slice(h);
      this.methods = this.methods.slice(h);
      this.base += h;
      this.head = 0;
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.positions.clear();
    this.reset(0);
  }

  private reset(base: number): void {
    this.ids = [];
    this.deadlines = [];
    this.callIds = [];
    this.cseqs = [];
    this.methods = [];
    this.head = 0;
    this.base = base;
  }
}
