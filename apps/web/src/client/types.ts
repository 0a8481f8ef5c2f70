/**
 * The shapes of the status API as the page reads them (docs/web-api.md is the one source of truth; these mirror it).
 * Times are unix seconds.
 */

/** The ten registrant state names, in the order of their numbers (docs/opensips-behaviour.md). */
export const STATE_NAMES = [
  "NOT_REGISTERED_STATE",
  "REGISTERING_STATE",
  "AUTHENTICATING_STATE",
  "REGISTERED_STATE",
  "REGISTER_TIMEOUT_STATE",
  "INTERNAL_ERROR_STATE",
  "WRONG_CREDENTIALS_STATE",
  "REGISTRAR_ERROR_STATE",
  "UNREGISTERING_STATE",
  "AUTHENTICATING_UNREGISTER_STATE",
] as const;

export type StateName = (typeof STATE_NAMES)[number];

/** The failure states: what the default `failing` sort puts first and the "Failing" filter selects. */
export const FAILURE_STATES: readonly StateName[] = [
  "WRONG_CREDENTIALS_STATE",
  "REGISTER_TIMEOUT_STATE",
  "REGISTRAR_ERROR_STATE",
  "INTERNAL_ERROR_STATE",
];

export interface Summary {
  node: string | null;
  now: number;
  total: number;
  /** Every state name, 0 included; the page reads the names it knows and shows any other it is given. */
  states: Record<string, number>;
  success: { windowSeconds: number; ok: number; failed: number; ratio: number | null };
  eventLoopLagMs: { p50: number; p99: number; max: number };
  ready: boolean;
}

export interface LastReply {
  code: number | null;
  reason: string;
}

export interface RecordItem {
  id: string;
  aor: string;
  contact: string;
  registrar: string;
  proxy?: string;
  state: string;
  enabled: boolean;
  since: number | null;
  lastReply: LastReply | null;
  expiresAt: number | null;
  binding: string;
  passwordSet: boolean;
  shtag?: string;
}

export interface HistoryEntry {
  at: number;
  from: string;
  to: string;
  reason: string;
}

export interface RecordDetail extends RecordItem {
  history: HistoryEntry[];
}

export interface RecordPage {
  total: number;
  offset: number;
  items: RecordItem[];
}

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
