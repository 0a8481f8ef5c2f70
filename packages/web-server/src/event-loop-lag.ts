/**
 * The event-loop lag of the summary (issue 13), read as p50/p99/max in ms over the last complete period (30 s by
 * default; until one is complete, over the time since start). The period is turned on the {@link Clock}, so a test
 * drives it on a VirtualClock with a fake histogram.
 *
 * The samples come from {@link EventLoopDelaySampler}: ONE timer for the whole process (the status page and the
 * daemon's `/metrics` read the same samples, each through its own histogram), every
 * {@link LAG_RESOLUTION_MS} ms, recording how late it fired. Issue 14: `monitorEventLoopDelay` at 10 ms plus
 * prom-client's own at 20 ms woke an idle daemon ~280 times a second; a stall still shows in full, since the
 * lateness of a timer is the time the loop was busy.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { type Clock, systemClock, type TimerHandle } from "@uacreg/runtime";

/** The lag figures, milliseconds. */
export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
}

/** What the monitor reads: the shape of node's `IntervalHistogram` (nanoseconds). */
export interface DelayHistogram {
  percentile(p: number): number;
  readonly max: number;
  readonly count: number;
  reset(): void;
  enable(): boolean;
  disable(): boolean;
}

/** The histogram a reader gets from {@link EventLoopDelaySampler.reader} (nanoseconds of lateness). */
export interface LagHistogram extends DelayHistogram {
  readonly min: number;
  readonly mean: number;
  readonly stddev: number;
}

/** The sampling interval (ms) of the process's one lag timer: 10 wakeups a second at most. */
export const LAG_RESOLUTION_MS = 100;

/**
 * One timer measuring the event loop's lateness for every reader: each firing records, in every enabled reader's
 * histogram, how many ns after its due time it ran (at least 1: a histogram records positive values only). Unlike
 * node's `monitorEventLoopDelay`, which records the whole interval (so its p50 is the resolution itself), a value
 * here is the lag alone. The timer runs while at least one reader is enabled.
 */
export class EventLoopDelaySampler {
  readonly #clock: Clock;
  readonly #resolutionMs: number;
  readonly #readers = new Set<RecordableHistogram>();
  #timer: TimerHandle | undefined;
  #due = 0;

  constructor(clock: Clock = systemClock, resolutionMs = LAG_RESOLUTION_MS) {
    this.#clock = clock;
    this.#resolutionMs = resolutionMs;
  }

  /** A histogram of its own (reset by its reader alone), fed while enabled. */
  reader(): LagHistogram {
    const h = createHistogram();
    const empty = (): boolean => h.count === 0;
    return {
      percentile: (p) => (empty() ? 0 : h.percentile(p)),
      get max() {
        return empty() ? 0 : h.max;
      },
      get min() {
        return empty() ? 0 : h.min;
      },
      get mean() {
        return empty() ? 0 : h.mean;
      },
      get stddev() {
        return empty() ? 0 : h.stddev;
      },
      get count() {
        return h.count;
      },
      reset: () => h.reset(),
      enable: () => this.#attach(h),
      disable: () => this.#detach(h),
    };
  }

  /** Readers enabled now (for tests). */
  get readers(): number {
    return this.#readers.size;
  }

  #attach(h: RecordableHistogram): boolean {
    if (this.#readers.has(h)) return false;
    this.#readers.add(h);
    if (this.#timer === undefined) this.#arm();
    return true;
  }

  #detach(h: RecordableHistogram): boolean {
    if (!this.#readers.delete(h)) return false;
    if (this.#readers.size === 0) {
      this.#timer?.cancel();
      this.#timer = undefined;
    }
    return true;
  }

  #arm(): void {
    this.#due = this.#clock.now() + this.#resolutionMs;
    this.#timer = this.#clock.setTimer(this.#resolutionMs, this.#fire);
  }

  readonly #fire = (): void => {
    const lateNs = Math.max(1, Math.round((this.#clock.now() - this.#due) * 1e6));
    for (const h of this.#readers) h.record(lateNs);
    this.#arm();
  };
}

let processSampler: EventLoopDelaySampler | undefined;

/** The process's one sampler (real clock, {@link LAG_RESOLUTION_MS}): the status page's and `/metrics`' source. */
export function processEventLoopDelay(): EventLoopDelaySampler {
  processSampler ??= new EventLoopDelaySampler();
  return processSampler;
}

const round = (ns: number): number => Math.round(ns / 1e4) / 100;

export class EventLoopLag {
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #histogram: DelayHistogram;
  #last: LagFigures | undefined;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, options: { periodMs?: number; histogram?: DelayHistogram } = {}) {
    this.#clock = clock;
    this.#periodMs = options.periodMs ?? 30_000;
    this.#histogram = options.histogram ?? processEventLoopDelay().reader();
  }

  start(): void {
    if (this.#timer) return;
    this.#histogram.enable();
    const turn = (): void => {
      this.#last = this.#read();
      this.#histogram.reset();
      this.#timer = this.#clock.setTimer(this.#periodMs, turn);
    };
    this.#timer = this.#clock.setTimer(this.#periodMs, turn);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#histogram.disable();
  }

  figures(): LagFigures {
    return this.#last ?? this.#read();
  }

  #read(): LagFigures {
    const h = this.#histogram;
    if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
    return { p50: round(h.percentile(50)), p99: round(h.percentile(99)), max: round(h.max) };
  }
}
