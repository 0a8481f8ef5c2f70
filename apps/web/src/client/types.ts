/**
 * The shapes of the status API as the page reads them: the server's own types (@uacreg/web-server, type-only: nothing
 * of the server is bundled) and the state names from @uacreg/core (docs/web-api.md). Times are unix seconds.
 */

import { ERROR_STATES, STATE_NAMES, type StateName, stateName } from "@uacreg/core";

import type { HistoryEntry, RecordDetail, RecordItem, RecordPage, StatusSummary as Summary } from "@uacreg/web-server";

export type { HistoryEntry, RecordDetail, RecordItem, RecordPage, Summary };
export { STATE_NAMES, type StateName };

/** The reply shape of a record, as `RecordItem.lastReply` carries it. */
export interface LastReply {
  code: number | null;
  reason: string;
}

/**
 * The failure states (core's error states, docs/opensips-behaviour.md §6): what the default `failing` sort puts first
 * and the "Failing" filter selects.
 */
export const FAILURE_STATES: readonly StateName[] = ERROR_STATES.map(stateName);

export interface ActionReply {
  ok: boolean;
  message: string;
}

export type RecordAction = "enable" | "disable" | "force-register" | "reload";

/** `event: snapshot` (and a resync after a slow client's backlog was dropped). */
export interface SnapshotEvent {
  seq: number;
  summary: Summary;
  resync?: boolean;
}

/** `event: state`: one record changed state. */
export interface StateEvent {
  seq: number;
  id: string;
  key: { aor: string; contact: string; registrar: string };
  from: string;
  to: string;
  reason: string;
  at: number;
}
