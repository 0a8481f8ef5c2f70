import { randomBytes } from "node:crypto";

/** RFC 3261 §8.1.1.7: every branch we make starts with the magic cookie. */
export const MAGIC_COOKIE = "z9hG4bK";

/**
 * Makes Via branches that are unique per transaction and hard to guess: a random prefix drawn once per
 * transport instance (node:crypto, or injected) followed by a counter, so the hot path costs no random draw.
 */
export class BranchGenerator {
  private counter = 0;
  private readonly prefix: string;
  /** `z9hG4bK<prefix>.`: what every branch of this generator starts with. */
  private readonly branchStart: string;

  constructor(randomHex?: string) {
    this.prefix = randomHex ?? randomBytes(8).toString("hex");
    this.branchStart = `${MAGIC_COOKIE}${this.prefix}.`;
  }

  /**
   * The number of a branch made by {@link branch} (its counter), or -1 when `branch` is not one of ours. Lets the
   * transport key what it remembers by a small integer instead of keeping the branch string.
   */
  idOf(branch: string): number {
    return this.idIn(branch, 0, branch.length);
  }

  /** {@link idOf} of the branch `text[from, to)`, read in place (a response's head: no branch string is made). */
  idIn(text: string, from: number, to: number): number {
    const start = this.branchStart.length;
    const n = to - from;
    if (n <= start || n > start + 10 || !text.startsWith(this.branchStart, from)) return -1;
    if (text.charCodeAt(from + start) === 0x30) return -1; // toString(36) writes no leading zero: not ours
    let id = 0;
    for (let i = from + start; i < to; i++) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x7a) d = c - 0x61 + 10;
      else return -1;
      id = id * 36 + d;
    }
    return id;
  }

  /** `z9hG4bK<prefix>.`: what every branch of this generator starts with (its number follows in base 36). */
  get start(): string {
    return this.branchStart;
  }

  /** The number of the next branch (see {@link branchOf}); the transport writes it without making the string. */
  next(): number {
    return ++this.counter;
  }

  /** The branch of number `id`. */
  branchOf(id: number): string {
    return `${this.branchStart}${id.toString(36)}`;
  }

  /** `z9hG4bK<16 hex>.<counter base 36>`. */
  branch(): string {
    return this.branchOf(this.next());
  }
}
