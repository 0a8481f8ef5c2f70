import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { type DelayHistogram, EventLoopLag } from "./event-loop-lag.js";

/** A histogram whose samples the test sets (nanoseconds), as node's IntervalHistogram reports them. */
class SetHistogram implements DelayHistogram {
  samples: number[] = [];
  enabled = false;
  percentile(p: number): number {
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
  }
  get max(): number {
    return Math.max(0, ...this.samples);
  }
  get count(): number {
    return this.samples.length;
  }
  reset(): void {
    this.samples = [];
  }
  enable(): boolean {
    this.enabled = true;
    return true;
  }
  disable(): boolean {
    this.enabled = false;
    return true;
  }
}

describe("EventLoopLag", () => {
  it("reports the running period until one is complete, then the last complete one, in ms", async () => {
    const clock = new VirtualClock();
    const h = new SetHistogram();
    const lag = new EventLoopLag(clock, { histogram: h, periodMs: 30_000 });
    lag.start();
    expect(h.enabled).toBe(true);
    expect(lag.figures()).toEqual({ p50: 0, p99: 0, max: 0 });
    h.samples = [10e6, 10e6, 11e6, 250e6];
    expect(lag.figures()).toEqual({ p50: 10, p99: 250, max: 250 });
    await clock.advance(30_000);
    h.samples.push(1e9); // the next period: not shown until it completes
    expect(lag.figures()).toEqual({ p50: 10, p99: 250, max: 250 });
    await clock.advance(30_000);
    expect(lag.figures()).toEqual({ p50: 1000, p99: 1000, max: 1000 });
    lag.stop();
    expect(h.enabled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
