import { randomFillSync } from "node:crypto";

/**
 * Random bytes from node:crypto, drawn 16 KiB at a time: a Call-ID, a From-tag or a cnonce then costs a copy out of
 * the pool instead of one call into the CSPRNG each (the benchmark showed `randomBytes` at ~3 % of the engine's CPU).
 * Every call returns its own copy, so a caller may keep the bytes.
 */
export class RandomPool {
  readonly #pool: Buffer;
  #pos: number;

  constructor(size = 16 * 1024) {
    this.#pool = Buffer.allocUnsafe(size);
    this.#pos = size;
  }

  /** A fresh pool as core's randomness source (`(n) => bytes`). */
  static source(): (n: number) => Uint8Array {
    const pool = new RandomPool();
    return (n) => pool.take(n);
  }

  /** `n` fresh random bytes. */
  take(n: number): Uint8Array {
    const size = this.#pool.length;
    if (n > size) return randomFillSync(new Uint8Array(n));
    if (this.#pos + n > size) {
      randomFillSync(this.#pool);
      this.#pos = 0;
    }
    // Copied byte by byte into one small typed array (kept on V8's heap): no Buffer view of the pool per call
    // (`subarray` built a FastBuffer, ~150 B, and `slice` a second array) — this runs once per record at load and
    // once per request (cnonce).
    const pool = this.#pool;
    const out = new Uint8Array(n);
    const start = this.#pos;
    for (let i = 0; i < n; i++) out[i] = pool[start + i] as number;
    this.#pos = start + n;
    return out;
  }
}
