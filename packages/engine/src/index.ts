/**
 * @uacreg/engine: the live registrant service. Owns the record table, runs the bucket walk on one clock timer, feeds
 * @uacreg/core with visits, replies, timeouts and MI commands, and carries out its actions through the interfaces it
 * owns: a {@link RequestSender} (the transport) and a {@link RegistrantStore} (the database).
 */
export { SharingTagError } from "@uacreg/cluster";
export {
  type RecordView,
  RecordValidationError,
  type RegistrantKey,
  type RegistrantRow,
} from "@uacreg/core";
export { type Clock, type Logger, SILENT_LOGGER } from "@uacreg/runtime";
export { SchedulerConfigError } from "@uacreg/scheduler";
export type { EngineCounters } from "./engine-counters.js";
export { DEFAULT_CSEQ_BLOCK } from "./cluster-gate.js";
export { NoRepositoryError, NotStaticOwnershipError } from "./engine-errors.js";
export type { StateChangeEvent } from "./engine-metrics.js";
export type { LoadReport, RegistrantEngineOptions, TakeoverEvent } from "./engine-options.js";
export {
  type DialogMark,
  type DialogMarkStore,
  type RecordOwnership,
  STATIC_EPOCH,
  StaticTagOwnership,
} from "./record-ownership.js";
export type { RecordSnapshot } from "./record-snapshot.js";
export { DEFAULT_TAKEOVER_RATE, RegistrantEngine } from "./registrant-engine.js";
export {
  DEFAULT_REGISTRANT_PARAMS,
  EngineConfigError,
  type RegistrantParams,
  validateRegistrantParams,
} from "./registrant-params.js";
export type { RegistrantStore } from "./registrant-store.js";
export type { OutboundRequest, RequestSender, SendOutcome, SendTarget, SipProtocol } from "./request-sender.js";
export type { Rejection } from "./table-reconciler.js";
