import { describe, expect, it } from "vitest";
import { TimerHeap, type TimerItem } from "./timer-heap.js";

interface Item extends TimerItem {
  name: string;
}

const item = (name: string): Item => ({ name, deadline: 0, heapIndex: -1 });

function drain(heap: TimerHeap<Item>, now: number): Item[] {
  const out: Item[] = [];
  for (let e = heap.popDue(now); e; e = heap.popDue(now)) out.push(e);
  return out;
}

describe("TimerHeap", () => {
  it("pops items in deadline order and forgets removed ones", () => {
    const heap = new TimerHeap<Item>();
    const deadlines = [50, 10, 40, 30, 20, 60, 5, 45];
    const items = deadlines.map((d) => {
      const i = item(`t${d}`);
      heap.push(i, d);
      return i;
    });
    heap.remove(items[2]!); // 40
    expect(items[2]!.heapIndex).toBe(-1);
    expect(heap.size).toBe(7);
    expect(heap.peekDeadline()).toBe(5);
    expect(heap.popDue(4)).toBeUndefined();
    expect(drain(heap, 100).map((i) => i.name)).toEqual(["t5", "t10", "t20", "t30", "t45", "t50", "t60"]);
    expect(heap.peekDeadline()).toBeUndefined();
    expect(heap.size).toBe(0);
  });

  it("moves an item pushed again to its new deadline", () => {
    const heap = new TimerHeap<Item>();
    const a = item("a");
    const b = item("b");
    heap.push(a, 10);
    heap.push(b, 20);
    heap.push(a, 30);
    expect(heap.size).toBe(2);
    expect(drain(heap, 100).map((i) => i.name)).toEqual(["b", "a"]);
  });

  it("stays ordered under random pushes and removals", () => {
    const heap = new TimerHeap<Item>();
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const live: Item[] = [];
    for (let i = 0; i < 500; i++) {
      const it = item(String(i));
      heap.push(it, next() % 1000);
      live.push(it);
      if (next() % 3 === 0) {
        const victim = live.splice(next() % live.length, 1)[0]!;
        heap.remove(victim);
      }
    }
    const out = drain(heap, 1e9);
    expect(out.map((i) => i.deadline)).toEqual(live.map((i) => i.deadline).sort((a, b) => a - b));
    expect(new Set(out)).toEqual(new Set(live));
  });
});
