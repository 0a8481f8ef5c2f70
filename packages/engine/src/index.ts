/**
 * @uacreg/engine: the live registrant service. Owns the record table, runs the bucket walk on one real timer, feeds
 * @uacreg/core with visits, replies, timeouts and MI commands, and carries out its actions through
 * @uacreg/transport and the repository.
 */
export type { EngineCounters } from "./engine-counters.js";
export { NoRepositoryError, SharingTagError } from "./engine-errors.js";
export { type Logger, SILENT_LOGGER } from "./logger.js";
export {
  type LoadReport,
  type RecordView,
  RegistrantEngine,
  type RegistrantEngineOptions,
  type StateChangeEvent,
} from "./registrant-engine.js";
export {
  DEFAULT_REGISTRANT_PARAMS,
  EngineConfigError,
  type RegistrantParams,
  validateRegistrantParams,
} from "./registrant-params.js";
export type { RegistrantRepository } from "./registrant-repository.js";
export { RecordValidationError, type RegistrantKey, type RegistrantRow } from "@uacreg/core";
export { SchedulerConfigError } from "@uacreg/scheduler";
