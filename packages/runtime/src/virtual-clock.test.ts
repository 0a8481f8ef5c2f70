import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.js";

describe("VirtualClock", () => {
  it("fires timers in deadline order, same-instant timers in arming order, with now() at each deadline", async () => {
    const clock = new VirtualClock({ start: 1000 });
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`b@${clock.now()}`));
    await clock.advance(25);
    expect(seen).toEqual(["a@1010", "b@1010"]);
    expect(clock.now()).toBe(1025);
    await clock.advance(5);
    expect(seen).toEqual(["a@1010", "b@1010", "c@1030"]);
  });

  it("fires a timer armed by a callback within the same jump, and never a cancelled one", async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const dropped = clock.setTimer(5, () => seen.push(-1));
    clock.setTimer(10, () => clock.setTimer(10, () => seen.push(clock.now())));
    dropped.cancel();
    await clock.advance(100);
    expect(seen).toEqual([20]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("lets promise work started by a timer finish before the next timer fires", async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimer(1, () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => order.push("async work of the first timer"));
    });
    clock.setTimer(2, () => order.push("second timer"));
    await clock.advance(2);
    expect(order).toEqual(["async work of the first timer", "second timer"]);
  });

  it("hold moves time and fires nothing; what fell due fires late on the next advance", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(100, () => seen.push(clock.now()));
    clock.hold(6000);
    expect(seen).toEqual([]);
    expect(clock.now()).toBe(6000);
    clock.advanceSync(0);
    expect(seen).toEqual([6000]);
  });

  it("keeps wall time moving with monotonic time", async () => {
    const clock = new VirtualClock({ start: 0, wallStart: 1_700_000_000_000 });
    await clock.advance(3_600_000);
    expect(clock.wallNow()).toBe(1_700_003_600_000);
  });

  it("runUntil jumps from deadline to deadline until the condition holds, within a limit", async () => {
    const clock = new VirtualClock();
    let fired = 0;
    const rearm = (): void => {
      clock.setTimer(1000, () => {
        fired++;
        rearm();
      });
    };
    rearm();
    expect(await clock.runUntil(() => fired === 3, 10_000)).toBe(true);
    expect(clock.now()).toBe(3000);
    expect(await clock.runUntil(() => fired === 100, 5_000)).toBe(false);
    expect(clock.now()).toBe(8000);
  });
});
