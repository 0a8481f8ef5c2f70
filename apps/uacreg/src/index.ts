/** @uacreg/cli — the `uacreg` tool as a library (the `uacreg` bin is `dist/main.js`). */
export { type CliConfig, cliConfigOf, COLUMN_NAMES, loadCliConfig, type TableNaming } from "./cli-config.js";
export { type CliIo, ExitCode, processIo } from "./cli-io.js";
export { runCli, USAGE } from "./cli.js";
export { dbCreate, dbImport, dbList, type DbTarget } from "./db-commands.js";
export { miParamsFromArgs } from "./mi-arguments.js";
export { type MiCall, type MiEndpoint, runMiCall } from "./mi-command.js";
export { type CsvRowProblem, type ParsedCsv, parseRegistrantCsv } from "./registrant-csv.js";
export { UsageError } from "./usage-error.js";
