import { describe, expect, it } from "vitest";
import { TransactionTable } from "./transaction-table.js";

const item = (id: number) => ({ id });

describe("TransactionTable (transactions in progress by branch number)", () => {
  it("keeps a sliding window of numbers in a ring that wraps around without growing", () => {
    const t = new TransactionTable<{ id: number }>(8);
    const live: Array<{ id: number }> = [];
    // 1,000 numbers, never more than 6 in progress: the slots are reused round and round.
    for (let id = 1; id <= 1000; id++) {
      const it = item(id);
      t.set(it);
      live.push(it);
      if (live.length > 6) expect(t.delete(live.shift()!)).toBe(true);
      expect(t.get(id)).toBe(it);
    }
    expect(t.capacity).toBe(8);
    expect(t.size).toBe(6);
    expect(t.get(994)).toBeUndefined(); // deleted
    expect(t.get(995)?.id).toBe(995);
    expect(t.get(995 + 8)).toBeUndefined(); // same slot as 995, another number
  });

  it("grows when a slow transaction is still in progress as the numbers lap it, and finds every entry after", () => {
    const t = new TransactionTable<{ id: number }>(4);
    const slow = item(1);
    t.set(slow);
    const rest: Array<{ id: number }> = [];
    for (let id = 2; id <= 40; id++) {
      const it = item(id);
      t.set(it);
      rest.push(it);
    }
    expect(t.size).toBe(40);
    expect(t.capacity).toBeGreaterThanOrEqual(40);
    expect(t.get(1)).toBe(slow);
    for (const it of rest) expect(t.get(it.id)).toBe(it);
    expect(t.values()).toHaveLength(40);
    expect(t.delete(item(1))).toBe(false); // only the stored object itself is removed
    expect(t.delete(slow)).toBe(true);
    expect(t.get(1)).toBeUndefined();
  });

  it("replaces an entry stored again under the same number", () => {
    const t = new TransactionTable<{ id: number }>(4);
    const a = item(5);
    const b = item(5);
    t.set(a);
    t.set(b);
    expect(t.size).toBe(1);
    expect(t.get(5)).toBe(b);
  });
});
