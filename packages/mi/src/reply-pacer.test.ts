/**
 * The turns large replies share (reply-pacer.ts): one per event-loop pass, in order of arrival. The servers' use of
 * it (ten readers of a large reply over HTTP) is in mi-http-server-backpressure.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ReplyPacer } from "./reply-pacer.js";
import { countPasses, type PassCounter } from "./test-support/event-loop-passes.js";

let passes: PassCounter | undefined;
afterEach(() => passes?.stop());

describe("ReplyPacer", () => {
  it("gives one turn per event-loop pass, to the waiters in their order of arrival", async () => {
    const pacer = new ReplyPacer();
    const counter = countPasses();
    passes = counter;
    const turns: { who: string; pass: number }[] = [];
    const reader = async (who: string) => {
      for (let k = 0; k < 3; k++) {
        await pacer.turn();
        turns.push({ who, pass: counter.pass });
      }
    };
    await Promise.all([reader("a"), reader("b"), reader("c")]);
    expect(turns.map((t) => t.who).join("")).toBe("abcabcabc");
    const seen = turns.map((t) => t.pass);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pacer.waiting).toBe(0);
  });
});
