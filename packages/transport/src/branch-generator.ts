import { randomBytes } from "node:crypto";

/** RFC 3261 §8.1.1.7: every branch we make starts with the magic cookie. */
export const MAGIC_COOKIE = "z9hG4bK";

/**
 * Makes Via branches and To tags that are unique per transaction and hard to guess: a random prefix drawn once per
 * transport instance (node:crypto, or injected) followed by a counter, so the hot path costs no random draw.
 */
export class BranchGenerator {
  private counter = 0;
  private readonly prefix: string;

  constructor(randomHex?: string) {
    this.prefix = randomHex ?? randomBytes(8).toString("hex");
  }

  /** `z9hG4bK<16 hex>.<counter base 36>`. */
  branch(): string {
    this.counter++;
    return `${MAGIC_COOKIE}${this.prefix}.${this.counter.toString(36)}`;
  }

  /** A To tag for our stateless answers (RFC 3261 §8.2.6.2). */
  tag(): string {
    this.counter++;
    return `${this.prefix.slice(0, 8)}${this.counter.toString(36)}`;
  }
}
