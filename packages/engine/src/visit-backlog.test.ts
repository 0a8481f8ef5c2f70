import { describe, expect, it } from "vitest";
import { VisitBacklog } from "./visit-backlog.js";

describe("VisitBacklog", () => {
  it("hands records out oldest first, one registrar after the other in turn, while each has room", () => {
    const b = new VisitBacklog<string>();
    for (const r of ["a1", "a2", "a3"]) b.push("A", r);
    for (const r of ["b1", "b2"]) b.push("B", r);
    expect(b.size).toBe(5);
    expect(b.waiting("A")).toBe(true);
    expect(b.waiting("C")).toBe(false);
    const taken: string[] = [];
    let roomA = 2;
    let roomB = 5;
    b.pull(
      (key) => (key === "A" ? roomA > 0 : roomB > 0),
      (r) => {
        taken.push(r);
        if (r.startsWith("a")) roomA--;
        else roomB--;
      },
    );
    expect(taken).toEqual(["a1", "b1", "a2", "b2"]);
    expect(b.size).toBe(1);
    expect(b.waiting("B")).toBe(false);
    expect(b.clear()).toEqual(["a3"]);
    expect(b.size).toBe(0);
    expect(b.waiting("A")).toBe(false);
  });

  it("a record that uses no room (no longer due) lets the next one have its turn", () => {
    const b = new VisitBacklog<number>();
    for (let i = 0; i < 5; i++) b.push("A", i);
    const taken: number[] = [];
    let room = 1;
    b.pull(
      () => room > 0,
      (r) => {
        taken.push(r);
        if (r === 3) room--; // 0, 1, 2 were no longer due: only 3 started a send
      },
    );
    expect(taken).toEqual([0, 1, 2, 3]);
    expect(b.clear()).toEqual([4]);
  });

  it("keeps the order across the compaction of a long line, and nothing is handed out twice", () => {
    const b = new VisitBacklog<number>();
    for (let i = 0; i < 3000; i++) b.push("A", i);
    const taken: number[] = [];
    let room = 2500;
    const pull = () =>
      b.pull(
        () => room > 0,
        (r) => {
          taken.push(r);
          room--;
        },
      );
    pull();
    for (let i = 3000; i < 4000; i++) b.push("A", i);
    room = 10_000;
    pull();
    expect(taken).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    expect(b.size).toBe(0);
  });
});
