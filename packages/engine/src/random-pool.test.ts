import { describe, expect, it } from "vitest";
import { RandomPool } from "./random-pool.js";

describe("RandomPool (Call-IDs, From-tags and cnonces come from it)", () => {
  it("gives every caller its own bytes, across refills of the pool and for requests larger than the pool", () => {
    const pool = new RandomPool(64);
    const seen = new Set<string>();
    const taken: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const bytes = pool.take(16); // 40 x 16 bytes: the 64-byte pool refills ten times
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes.length).toBe(16);
      taken.push(bytes);
      seen.add(Buffer.from(bytes).toString("hex"));
    }
    expect(seen.size).toBe(40); // no two draws alike: no byte handed out twice
    // A caller may keep (or change) what it got: the next draws never write into it.
    const kept = Buffer.from(taken[0] as Uint8Array).toString("hex");
    for (let i = 0; i < 10; i++) pool.take(16);
    expect(Buffer.from(taken[0] as Uint8Array).toString("hex")).toBe(kept);
    (taken[1] as Uint8Array).fill(0);
    expect(Buffer.from(pool.take(16)).equals(Buffer.alloc(16))).toBe(false);
    const big = pool.take(100);
    expect(big.length).toBe(100);
  });
});
