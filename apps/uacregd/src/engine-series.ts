/**
 * The engine's counters as Prometheus series (docs/observability.md): one metric family per counter, a Counter named
 * `…_total` for what only grows, a Gauge for what goes up and down, durations in seconds. The compiler checks that
 * the table names every key of `EngineCounters`, so a counter added to the engine cannot go unexported by accident.
 */
import type { EngineCounters } from "@uacreg/engine";

/** How one engine counter is exported; `null`: exported elsewhere (the cluster metrics), not twice. */
export type SeriesSpec = {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  /** Multiplies the value (ms → s). */
  readonly scale?: number;
} | null;

export const ENGINE_SERIES: Record<keyof EngineCounters, SeriesSpec> = {
  registerSent: {
    name: "uacreg_engine_register_sent_total",
    type: "counter",
    help: "REGISTER requests handed to the transport (first sends, refreshes, retries, answers to challenges)",
  },
  unregisterSent: {
    name: "uacreg_engine_unregister_sent_total",
    type: "counter",
    help: "unREGISTER requests handed to the transport (single binding and wildcard)",
  },
  authenticatedSent: {
    name: "uacreg_engine_authenticated_sent_total",
    type: "counter",
    help: "Requests sent with credentials (answers to a challenge, or preemptive)",
  },
  repliesReceived: {
    name: "uacreg_engine_replies_received_total",
    type: "counter",
    help: "Final replies received and handed to the registrant state machine",
  },
  timeouts: {
    name: "uacreg_engine_transaction_timeouts_total",
    type: "counter",
    help: "REGISTER transactions that ended without a final reply (Timer F)",
  },
  transportErrors: {
    name: "uacreg_engine_transport_errors_total",
    type: "counter",
    help: "REGISTER transactions that could not be sent (no target, no socket, connection refused)",
  },
  lateRepliesDropped: {
    name: "uacreg_engine_late_replies_dropped_total",
    type: "counter",
    help: "Outcomes for a record removed meanwhile, dropped (a safety net; stays 0)",
  },
  registered: {
    name: "uacreg_engine_registrations_total",
    type: "counter",
    help: "Transitions to REGISTERED_STATE (first registrations, refreshes that changed state, recoveries)",
  },
  failed: {
    name: "uacreg_engine_registration_failures_total",
    type: "counter",
    help: "Transitions to a failure state (REGISTER_TIMEOUT, INTERNAL_ERROR, WRONG_CREDENTIALS, REGISTRAR_ERROR)",
  },
  authFailures: {
    name: "uacreg_engine_auth_failures_total",
    type: "counter",
    help: "Transitions to WRONG_CREDENTIALS_STATE",
  },
  registerTimeouts: {
    name: "uacreg_engine_register_timeouts_total",
    type: "counter",
    help: "Transitions to REGISTER_TIMEOUT_STATE",
  },
  persistFailures: {
    name: "uacreg_engine_persist_failures_total",
    type: "counter",
    help: "State writes to the database that failed (logged, not fatal)",
  },
  rowsRejected: {
    name: "uacreg_engine_rows_rejected_total",
    type: "counter",
    help: "Rows refused at load or reload (one log line each)",
  },
  visits: { name: "uacreg_engine_bucket_visits_total", type: "counter", help: "Bucket visits of the timer walk" },
  delayedVisits: {
    name: "uacreg_engine_bucket_visits_delayed_total",
    type: "counter",
    help: "Bucket visits that came a period or more late",
  },
  inFlight: { name: "uacreg_engine_transactions_in_flight", type: "gauge", help: "Client transactions in flight now" },
  queued: {
    name: "uacreg_engine_requests_queued",
    type: "gauge",
    help: "Requests waiting for an in-flight slot now (registrant.max_in_flight)",
  },
  records: { name: "uacreg_engine_records", type: "gauge", help: "Records in the table now" },
  takeovers: {
    name: "uacreg_engine_takeovers_total",
    type: "counter",
    help: "Units gained whose takeover went ahead (docs/cluster.md §4)",
  },
  takeoverRecords: {
    name: "uacreg_engine_takeover_records_total",
    type: "counter",
    help: "Records handed to the takeover queue",
  },
  takeoversRefused: {
    name: "uacreg_engine_takeovers_refused_total",
    type: "counter",
    help: "Takeover reservations refused by the fence or failed",
  },
  lastTakeoverMs: {
    name: "uacreg_engine_last_takeover_duration_seconds",
    type: "gauge",
    help: "From the last completed takeover's gain to its last record's first REGISTER",
    scale: 1 / 1000,
  },
  maxTakeoverMs: {
    name: "uacreg_engine_max_takeover_duration_seconds",
    type: "gauge",
    help: "The longest takeover since start",
    scale: 1 / 1000,
  },
  // Exported by cluster-metrics.ts as uacreg_cluster_call_id_resets_total and uacreg_cluster_sends_suppressed_total.
  callIdResets: null,
  sendsFenced: null,
  dialogSaveRefused: {
    name: "uacreg_engine_dialog_saves_refused_total",
    type: "counter",
    help: "Fenced dialog-mark writes refused or failed: their sends were dropped (docs/cluster.md §4)",
  },
};
