import { describe, expect, it } from "vitest";
import { TimerHeap } from "./timer-heap.js";

describe("TimerHeap", () => {
  it("pops entries in deadline order and skips cancelled ones", () => {
    const heap = new TimerHeap<string>();
    const deadlines = [50, 10, 40, 30, 20, 60, 5, 45];
    const entries = deadlines.map((d) => heap.push(d, `t${d}`));
    entries[2]!.cancelled = true; // 40
    expect(heap.peekDeadline()).toBe(5);
    expect(heap.popDue(4)).toBeUndefined();
    const out: string[] = [];
    for (let e = heap.popDue(100); e; e = heap.popDue(100)) out.push(e.item);
    expect(out).toEqual(["t5", "t10", "t20", "t30", "t45", "t50", "t60"]);
    expect(heap.peekDeadline()).toBeUndefined();
  });

  it("stays ordered under random pushes", () => {
    const heap = new TimerHeap<number>();
    let seed = 7;
    const values: number[] = [];
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      values.push(seed % 1000);
      heap.push(seed % 1000, i);
    }
    const out: number[] = [];
    for (let e = heap.popDue(1e9); e; e = heap.popDue(1e9)) out.push(e.deadline);
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});
