import { DigestError } from "./digest-error.js";

/** Largest nonce count: `nc` is 8 hex digits (RFC 7616 §3.4). */
export const MAX_NONCE_COUNT = 0xffffffff;

/** The first counts, formatted once: a refresh reuses its nonce with nc 2, 3, … (one string per request otherwise). */
const SMALL_COUNTS: readonly string[] = Array.from({ length: 256 }, (_, nc) => nc.toString(16).padStart(8, "0"));

/** `nc-value = 8LHEX` (RFC 7616 §3.4, RFC 3261 §25.1): the count in 8 lowercase hex digits, e.g. `00000001`. */
export function formatNonceCount(nc: number): string {
  if (!Number.isInteger(nc) || nc < 1 || nc > MAX_NONCE_COUNT) {
    throw new DigestError("bad-input", `nonce count must be an integer in 1..${MAX_NONCE_COUNT}`);
  }
  return nc < SMALL_COUNTS.length ? (SMALL_COUNTS[nc] as string) : nc.toString(16).padStart(8, "0");
}

/**
 * Counts the requests sent with each nonce (RFC 7616 §3.4: "the hexadecimal count of the number of requests … that
 * the client has sent with the nonce value"), so a reused nonce gets nc=2, 3, … Keeps the last `capacity` nonces;
 * a forgotten nonce starts again at 1 (the server then answers with a fresh challenge).
 */
export class NonceCounter {
  readonly #counts = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new DigestError("bad-input", "capacity must be >= 1");
    this.#capacity = capacity;
  }

  /** The count to send with the next request that uses `nonce` (1 the first time). */
  next(nonce: string): number {
    const count = (this.#counts.get(nonce) ?? 0) + 1;
    if (count > MAX_NONCE_COUNT) throw new DigestError("bad-input", "nonce count exhausted for this nonce");
    this.#counts.delete(nonce); // re-insert: the Map's order is then least-recently-used first
    this.#counts.set(nonce, count);
    if (this.#counts.size > this.#capacity) {
      const oldest = this.#counts.keys().next();
      if (!oldest.done) this.#counts.delete(oldest.value);
    }
    return count;
  }

  /** The count last handed out for `nonce`, or 0. */
  current(nonce: string): number {
    return this.#counts.get(nonce) ?? 0;
  }

  /** Forgets a nonce (e.g. after the server declared it stale). */
  forget(nonce: string): void {
    this.#counts.delete(nonce);
  }
}
