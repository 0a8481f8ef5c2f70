/** @uacreg/cli — the `uacreg` tool as a library (the `uacreg` bin is `dist/main.js`). */
export { type CliConfig, cliConfigOf, COLUMN_NAMES, loadCliConfig, type TableNaming } from "./cli-config.js";
export { type CliIo, ExitCode, processIo } from "./cli-io.js";
export { runCli } from "./cli.js";
export { completionScript, type Shell, SHELLS } from "./completion.js";
export { dbExport, type ExportOptions } from "./csv-export.js";
export { dbImport, IMPORT_BATCH, type ImportCounts } from "./csv-import.js";
export { dbCreate, dbList, type DbTarget } from "./db-commands.js";
export { miParamsFromArgs } from "./mi-arguments.js";
export { type MiCall, type MiEndpoint, type OutputFormat, runMiCall } from "./mi-command.js";
export { miResultTable } from "./mi-table.js";
export { runStatus, type StatusReport, statusReport, statusText } from "./status-command.js";
export { type CsvRowProblem, type ParsedCsv, parseRegistrantCsv, RegistrantCsvRows } from "./registrant-csv.js";
export { UsageError } from "./usage-error.js";
