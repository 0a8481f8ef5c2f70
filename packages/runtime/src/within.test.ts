import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.js";
import { delay, within } from "./within.js";

describe("within", () => {
  it("gives the value when the call answers before the limit, and leaves no timer behind", async () => {
    const clock = new VirtualClock();
    expect(await within(clock, 100, async () => 7)).toEqual({ kind: "value", value: 7 });
    expect(clock.pendingTimers).toBe(0);
  });

  it("gives the error of a call that rejects or throws", async () => {
    const clock = new VirtualClock();
    const boom = new Error("boom");
    expect(await within(clock, 100, () => Promise.reject(boom))).toEqual({ kind: "error", error: boom });
    expect(
      await within(clock, 100, () => {
        throw boom;
      }),
    ).toEqual({ kind: "error", error: boom });
  });

  it("gives timeout once the limit passes on the clock, and ignores a later answer", async () => {
    const clock = new VirtualClock();
    let answer: (v: number) => void = () => {};
    const result = within(
      clock,
      100,
      () =>
        new Promise<number>((r) => {
          answer = r;
        }),
    );
    await clock.advance(99);
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await result).toEqual({ kind: "timeout" });
    answer(3);
    expect(await result).toEqual({ kind: "timeout" });
  });
});

describe("delay", () => {
  it("resolves once the time has passed on the clock, not before", async () => {
    const clock = new VirtualClock();
    let done = false;
    void delay(clock, 50).then(() => {
      done = true;
    });
    await clock.advance(49);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });
});
