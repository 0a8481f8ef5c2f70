/**
 * @uacreg/web-server: the status web server of uacregd (issue 13): the front end's files, the JSON API over the
 * live records, Server-Sent Events of state changes, bearer-token auth (docs/web-api.md, the contract).
 */
export {
  type DelayHistogram,
  EventLoopDelaySampler,
  EventLoopLag,
  LAG_RESOLUTION_MS,
  type LagFigures,
  type LagHistogram,
  processEventLoopDelay,
} from "./event-loop-lag.js";
export { EventStream, type EventStreamCounters, type EventStreamOptions } from "./event-stream.js";
export { LoginThrottle } from "./login-throttle.js";
export { keyOfRecordId, recordId } from "./record-id.js";
export { type RecordDetail, type RecordItem, recordItem } from "./record-item.js";
export {
  DEFAULT_PAGE,
  MAX_PAGE,
  nextTurn,
  parseRecordQuery,
  QUERY_SLICE,
  queryRecords,
  RECORD_SORTS,
  type RecordPage,
  type RecordQuery,
  type RecordSort,
} from "./record-query.js";
export type {
  HistoryEntry,
  MiDispatcher,
  RecordHistory,
  RecordList,
  StateChange,
  StateChangeSource,
  WebRecords,
  WebRecordsSource,
  WebRecordView,
} from "./record-source.js";
export { type StatusSummary, statusSummary } from "./status-summary.js";
export { FAILURE_STATES, type SuccessFigures, SuccessWindow } from "./success-window.js";
export { SESSION_COOKIE, WebAuth } from "./web-auth.js";
export { WebApiError, type WebErrorCode } from "./web-errors.js";
export { RECORD_ACTIONS, WebStatusServer, type WebStatusServerOptions } from "./web-status-server.js";
