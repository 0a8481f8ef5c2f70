/**
 * Wrong-token throttle (docs/web-api.md §1): a client address that presented a wrong token (bearer, cookie or
 * `POST /api/login`) `limit` times within `windowMs` is answered 429 until the window ends, so a token on a
 * reachable address cannot be guessed at network speed. Requests without credentials do not count (the page's
 * first call is one). At most `maxAddresses` addresses are tracked (the oldest forgotten first): bounded memory.
 */
import type { Clock } from "@uacreg/runtime";

interface Entry {
  start: number;
  failures: number;
}

export class LoginThrottle {
  readonly #clock: Clock;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #max: number;
  readonly #byAddress = new Map<string, Entry>();

  constructor(clock: Clock, options: { limit?: number; windowMs?: number; maxAddresses?: number } = {}) {
    this.#clock = clock;
    this.#limit = options.limit ?? 20;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#max = options.maxAddresses ?? 10_000;
  }

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const e = this.#byAddress.get(address);
    if (e === undefined) return 0;
    const left = e.start + this.#windowMs - this.#clock.now();
    if (left <= 0) {
      this.#byAddress.delete(address);
      return 0;
    }
    return e.failures >= this.#limit ? left : 0;
  }

  /** `address` presented a wrong token. */
  failed(address: string): void {
    const now = this.#clock.now();
    let e = this.#byAddress.get(address);
    if (e === undefined || now - e.start >= this.#windowMs) {
      this.#byAddress.delete(address);
      if (this.#byAddress.size >= this.#max) {
        const oldest = this.#byAddress.keys().next().value;
        if (oldest !== undefined) this.#byAddress.delete(oldest);
      }
      e = { start: now, failures: 0 };
      this.#byAddress.set(address, e);
    }
    e.failures++;
  }
}
