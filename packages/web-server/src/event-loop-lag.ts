/**
 * The event-loop lag of the summary (issue 13): `perf_hooks.monitorEventLoopDelay`, read as p50/p99/max in ms over
 * the last complete period (30 s by default; until one is complete, over the time since start). The period is
 * turned on the {@link Clock}, so a test drives it on a VirtualClock with a fake histogram.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Clock, TimerHandle } from "@uacreg/runtime";

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
    this.#histogram = options.histogram ?? monitorEventLoopDelay({ resolution: 10 });
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
