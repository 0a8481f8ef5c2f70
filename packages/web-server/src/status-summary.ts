/**
 * `GET /api/summary` and the `summary` of the SSE stream (docs/web-api.md §2): counts per state (all ten names,
 * zeros included), the success window, the event-loop lag, the node and whether the records are loaded.
 */
import { STATE_NAMES, type StateName } from "@uacreg/core";
import type { Clock } from "@uacreg/runtime";
import type { LagFigures } from "./event-loop-lag.js";
import type { WebRecordsSource } from "./record-source.js";
import type { SuccessFigures } from "./success-window.js";

export interface StatusSummary {
  node: string | null;
  /** Unix seconds. */
  now: number;
  total: number;
  states: Record<StateName, number>;
  success: SuccessFigures;
  eventLoopLagMs: LagFigures;
  ready: boolean;
}

/** Where the summary's parts come from. */
export interface SummarySources {
  clock: Clock;
  records: WebRecordsSource;
  success: () => SuccessFigures;
  lag: () => LagFigures;
  node: string | null;
}

export function statusSummary(s: SummarySources): StatusSummary {
  const records = s.records();
  const stats = records?.stats() ?? {};
  const states = {} as Record<StateName, number>;
  let total = 0;
  for (const name of STATE_NAMES) {
    const n = stats[name] ?? 0;
    states[name] = n;
    total += n;
  }
  return {
    node: s.node,
    now: Math.floor(s.clock.wallNow() / 1000),
    total,
    states,
    success: s.success(),
    eventLoopLagMs: s.lag(),
    ready: records !== undefined,
  };
}
