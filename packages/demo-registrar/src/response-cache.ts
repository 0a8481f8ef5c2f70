/** A response already sent: its bytes and its status code (for the REGISTER log). */
export interface CachedResponse {
  response: Uint8Array;
  status: number;
}

/**
 * The UAS side of non-INVITE transactions, reduced to what a registrar over UDP needs (RFC 3261 §17.2.2): a
 * retransmitted request gets the response already sent, and is not processed again. Responses are kept for Timer J
 * (64·T1 = 32 s), bounded in number.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse & { at: number }>();
  private readonly lifetimeMs: number;
  private readonly max: number;

  constructor(lifetimeMs = 32_000, max = 50_000) {
    this.lifetimeMs = lifetimeMs;
    this.max = max;
  }

  /** RFC 3261 §17.2.3: top Via branch + sent-by + CSeq method identify the server transaction. */
  static key(branch: string, sentBy: string, method: string): string {
    return `${branch}\u0000${sentBy}\u0000${method}`;
  }

  get(key: string, now: number): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at > this.lifetimeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, response: Uint8Array, status: number, now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at > this.lifetimeMs || this.entries.size >= this.max) this.entries.delete(k);
      else break;
    }
    this.entries.set(key, { response, status, at: now });
  }

  get size(): number {
    return this.entries.size;
  }
}
