/**
 * What the engine counts (exported by the daemon as metrics and by MI). Plain numbers; {@link snapshot} copies them.
 */
export interface EngineCounters {
  /** REGISTERs handed to the transport (first sends, refreshes, retries, answers to challenges). */
  registerSent: number;
  /** unREGISTERs handed to the transport (single binding and wildcard). */
  unregisterSent: number;
  /** Requests that carried credentials (answers to a challenge or preemptive). */
  authenticatedSent: number;
  /** Final replies received and handed to core. */
  repliesReceived: number;
  /** Transactions that ended without a final reply (Timer F). */
  timeouts: number;
  /** Transactions that could not be sent (no target, no socket, connection refused…). */
  transportErrors: number;
  /** Outcomes for a removed record with nothing in flight any more: dropped (a safety net; stays 0). */
  lateRepliesDropped: number;
  /** Transitions to REGISTERED_STATE. */
  registered: number;
  /** Transitions to an error state 4–7. */
  failed: number;
  /** Transitions to WRONG_CREDENTIALS_STATE. */
  authFailures: number;
  /** Transitions to REGISTER_TIMEOUT_STATE. */
  registerTimeouts: number;
  /** Repository updateState calls that failed (logged, not fatal). */
  persistFailures: number;
  /** Rows refused at load or reload (one log line each). */
  rowsRejected: number;
  /** Bucket visits. */
  visits: number;
  /** Bucket visits that came a period or more late (the next one was delayed). */
  delayedVisits: number;
  /** Transactions in flight now. */
  inFlight: number;
  /** Requests waiting for an in-flight slot now. */
  queued: number;
  /** Records in the table now. */
  records: number;
  /** Units gained whose takeover went ahead (docs/cluster.md §4; a refused reservation is not one). */
  takeovers: number;
  /** Records handed to the takeover queue by those takeovers. */
  takeoverRecords: number;
  /** Takeover reservations refused by the fence or failed (the gain was void). */
  takeoversRefused: number;
  /** ms from the last completed takeover's gain to its last record's first REGISTER handed to the send path. */
  lastTakeoverMs: number;
  /** The longest such duration since start, ms. */
  maxTakeoverMs: number;
  /** Inherited Call-IDs the registrar refused, replaced by a new one (docs/cluster.md §4, `call_id_resets_total`). */
  callIdResets: number;
  /** Sends not made because the unit was not held here (at admission) or the send guard refused a write (§6). */
  sendsFenced: number;
  /** Fenced dialog-mark writes refused or failed: their sends were dropped (docs/cluster.md §4). */
  dialogSaveRefused: number;
}

export function emptyCounters(): EngineCounters {
  return {
    registerSent: 0,
    unregisterSent: 0,
    authenticatedSent: 0,
    repliesReceived: 0,
    timeouts: 0,
    transportErrors: 0,
    lateRepliesDropped: 0,
    registered: 0,
    failed: 0,
    authFailures: 0,
    registerTimeouts: 0,
    persistFailures: 0,
    rowsRejected: 0,
    visits: 0,
    delayedVisits: 0,
    inFlight: 0,
    queued: 0,
    records: 0,
    takeovers: 0,
    takeoverRecords: 0,
    takeoversRefused: 0,
    lastTakeoverMs: 0,
    maxTakeoverMs: 0,
    callIdResets: 0,
    sendsFenced: 0,
    dialogSaveRefused: 0,
  };
}
