/**
 * @uacreg/status-report: OpenSIPS's status/report interface (docs/events.md §4, §5): the `uac_registrant` group with
 * one identifier per record kept compactly ({@link RegistrantReports}), small plain groups such as `core`
 * ({@link SimpleStatusGroup}), and the `sr_*` MI commands ({@link registerStatusReportCommands}).
 */
export { MAX_REASON_LENGTH, REASON_GONE, ReasonTable } from "./reason-table.js";
export {
  DEFAULT_REPORT_DEPTH,
  type HistoryEntry,
  REGISTRANT_GROUP,
  RegistrantReports,
  type RegistrantReportsOptions,
  type RegistrantStateChange,
  type StatusChange,
} from "./registrant-reports.js";
export { MAIN_IDENTIFIER, SimpleStatusGroup, type SrGroup, StatusReports } from "./sr-group.js";
export {
  registrantStatus,
  SR_STATUS_LOADING_DATA,
  SR_STATUS_NOT_READY,
  SR_STATUS_READY,
  type SrReport,
  type SrStatus,
} from "./sr-status.js";
export {
  registerStatusReportCommands,
  STATUS_REPORT_MODULE,
  type StatusReportCommandOptions,
} from "./status-report-commands.js";
