import { describe, expect, it } from "vitest";
import { countWork } from "./testing-work-counter.js";

/** The counter itself (the linear-work tests of sip, digest and transport rely on what it sees and what it misses). */
describe("countWork", () => {
  const N = 2048;

  it("counts a single pass as about the input's length, and 8 times the input as about 8 times the work", () => {
    const pass = (text: string) => {
      for (let i = 0; i < text.length; i++) text.charCodeAt(i);
      return text.indexOf("!");
    };
    expect(countWork(() => pass("a".repeat(N)))).toBe(2 * N);
    expect(countWork(() => pass("a".repeat(8 * N)))).toBe(16 * N);
  });

  it("sees a scan that restarts at every unit (the former URI parameter search, a To-tag search for > from every <)", () => {
    const parameters = (text: string) => {
      for (let i = text.indexOf(";"); i >= 0; i = text.indexOf(";", i + 1)) text.indexOf("=", i);
    };
    const brackets = (text: string) => {
      for (let i = text.indexOf("<"); i >= 0; i = text.indexOf("<", i + 1)) text.indexOf(">", i);
    };
    for (const [former, unit] of [
      [parameters, ";a"],
      [brackets, "<"],
    ] as const) {
      const small = countWork(() => former(unit.repeat(N)));
      const large = countWork(() => former(unit.repeat(8 * N)));
      expect(large).toBeGreaterThan(40 * small);
    }
  });

  it("counts a refusal's work, restores the builtins, and sees one regex call as the input it was given", () => {
    const before = String.prototype.indexOf;
    expect(
      countWork(() => {
        "abc".indexOf("c");
        throw new Error("refused");
      }),
    ).toBe(3);
    expect(String.prototype.indexOf).toBe(before);
    // The blind spot the packages' regex audits cover: a quadratic backtracking search counts as one pass.
    expect(countWork(() => /<[^>]*>/.exec("<".repeat(N)))).toBe(N);
  });
});
