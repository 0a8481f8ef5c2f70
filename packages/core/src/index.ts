/**
 * @uacreg/core: the OpenSIPS uac_registrant state machine, sans I/O (docs/opensips-behaviour.md §2–§8, docs/decisions.md).
 * A pure function of (record, event, now, random) → (record', actions). No sockets, no timers, no clock.
 */
export { type CoreContext, type CoreParams, DEFAULT_CORE_PARAMS, type RandomBytes } from "./core-params.js";
export { type DialogIds, newDialogIds } from "./dialog-ids.js";
export { parseForcedSocket } from "./forced-socket.js";
export { RecordValidationError } from "./record-validation-error.js";
export {
  buildRequest,
  buildRequestTemplate,
  DEFAULT_USER_AGENT,
  type Destination,
  type OutgoingRequest,
  type RequestCredentials,
  type RequestForm,
  type RequestParts,
  type RequestTemplate,
} from "./register-request.js";
export type {
  LogAction,
  PersistStateAction,
  RegistrantAction,
  SendAction,
  StateChangeAction,
  Step,
} from "./registrant-action.js";
export type { AuthCache } from "./registrant-authorization.js";
export {
  MAX_ROW_EXPIRY,
  parseRegistrantRow,
  type RegistrantConfig,
  sameConfig,
  type ValidationContext,
} from "./registrant-config.js";
export type { RegistrantEvent, ReplyMessage, RequestId } from "./registrant-event.js";
export {
  NEVER_DUE,
  onDelete,
  onDisable,
  onEnable,
  onForceRegister,
  onReload,
  onShutdown,
  onAdoptDialog,
  onTagState,
  onTimeout,
  onTransportError,
  onVisit,
  step,
  visitDueAt,
} from "./registrant-machine.js";
export {
  copyRecord,
  createRecord,
  type PendingRequest,
  type RecordView,
  recordFromRow,
  recordKey,
  recordView,
  type RegistrantRecord,
} from "./registrant-record.js";
export { formatKey, keyIdentity, type RegistrantKey, type RegistrantRow, rowKey } from "./registrant-row.js";
export {
  ALL_STATES,
  ERROR_STATES,
  isErrorState,
  isInFlight,
  RegistrantState,
  STATE_NAMES,
  type StateName,
  stateName,
} from "./registrant-state.js";
export {
  type CallIdRule,
  type DeadlineRule,
  registers,
  renderTransitionTable,
  type SendKind,
  TRANSITIONS,
  type Transition,
  type TransitionEvent,
  type TransitionId,
  TransitionTableError,
  transitionFor,
} from "./registrant-transitions.js";
export { MIN_MIN_EXPIRES, onResponse } from "./registration-reply.js";
export { DEFAULT_MAX_EXPIRES, DEFAULT_MAX_RETRY_AFTER } from "./registrar-interval-bounds.js";
export { MAX_CHALLENGE_ANSWERS, MAX_INTERVAL_RESENDS } from "./reply-retry-bounds.js";
export {
  isRefreshDue,
  isRetryDue,
  refreshDeadline,
  refreshInterval,
  retryAfterDeadline,
  retryDeadline,
} from "./registration-timing.js";
export { formatSharingTag, parseSharingTag, type SharingTag } from "./sharing-tag.js";
