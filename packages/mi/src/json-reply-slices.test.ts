import { describe, expect, it } from "vitest";
import { serializeResult } from "./json-rpc-reply.js";
import { resultSlices } from "./json-reply-slices.js";
import { MiSlicedArray } from "./mi-sliced-array.js";

const entry = (g: number, i: number) => ({ Identifier: `sip:user${i}@g${g}.test`, Status: 1, Details: "x".repeat(40) });

describe("large replies in slices (docs/mi-protocol.md §3)", () => {
  it("prints a sliced array nested in an item of another one in pieces, with the bytes of the whole reply", () => {
    // sr_list_reports without a group: one item per group, each holding its 20,000 records' list.
    const made: number[] = [];
    const groups = new MiSlicedArray(2, (g) => ({
      Name: `group${g}`,
      Reports: new MiSlicedArray(20_000, (i) => {
        made.push(g);
        return entry(g, i);
      }),
    }));
    const slices = resultSlices(3, groups, 16 * 1024);
    if (slices === undefined) throw new Error("no slices");
    const it = slices[Symbol.iterator]();
    const first = it.next();
    // The first slice is written before the first group's list has been made whole.
    expect(first.done).toBe(false);
    expect(made.length).toBeLessThan(1000);
    const rest: string[] = [];
    for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value);
    const all = [first.value as string, ...rest];
    // No slice is a whole group (each group's JSON is ~1.6 MB).
    expect(Math.max(...all.map((s) => s.length))).toBeLessThan(64 * 1024);
    const whole = serializeResult(
      3,
      [0, 1].map((g) => ({ Name: `group${g}`, Reports: Array.from({ length: 20_000 }, (_, i) => entry(g, i)) })),
    );
    expect(all.join("")).toBe(whole);
  });
});
