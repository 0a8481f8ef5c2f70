import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { type DelayHistogram, EventLoopDelaySampler, EventLoopLag } from "./event-loop-lag.js";

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

/** A clock whose one pending timer the test fires itself, at a time it chooses (a loop that ran late). */
class LateClock {
  t = 0;
  pending: { due: number; fn: () => void } | undefined;
  timersArmed = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.t;
  }
  setTimer(delayMs: number, fn: () => void) {
    const timer = { due: this.t + delayMs, fn };
    this.pending = timer;
    this.timersArmed++;
    return {
      cancel: () => {
        if (this.pending === timer) this.pending = undefined;
      },
    };
  }
  /** Fires the pending timer `lateMs` after its due time. */
  fire(lateMs: number): void {
    const p = this.pending;
    if (p === undefined) throw new Error("no timer pending");
    this.pending = undefined;
    this.t = p.due + lateMs;
    p.fn();
  }
}

describe("EventLoopDelaySampler", () => {
  it("records how late its one timer ran in every enabled reader, each reset on its own", () => {
    const clock = new LateClock();
    const sampler = new EventLoopDelaySampler(clock, 100);
    const page = sampler.reader();
    const metrics = sampler.reader();
    expect(clock.pending).toBeUndefined(); // no reader enabled: no timer
    page.enable();
    metrics.enable();
    expect(clock.timersArmed).toBe(1); // one timer for both readers
    clock.fire(0);
    clock.fire(2);
    clock.fire(250); // a stall of 250 ms shows in full, not as 250 + the resolution
    for (const h of [page, metrics]) {
      expect(h.count).toBe(3);
      expect(h.max / 1e6).toBeCloseTo(250, 0);
      expect(h.percentile(50) / 1e6).toBeCloseTo(2, 0);
    }
    metrics.reset(); // a scrape starts its next period; the page keeps its own
    clock.fire(40);
    expect(metrics.count).toBe(1);
    expect(metrics.max / 1e6).toBeCloseTo(40, 0);
    expect(page.count).toBe(4);
    page.disable();
    metrics.disable();
    expect(clock.pending).toBeUndefined(); // the last reader gone: the timer stops
    expect(sampler.readers).toBe(0);
  });

  it("reads 0 with no sample yet, as the summary shows before the first one", () => {
    const sampler = new EventLoopDelaySampler(new LateClock(), 100);
    const h = sampler.reader();
    expect([h.count, h.min, h.max, h.mean, h.stddev, h.percentile(99)]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
