/**
 * What the tool takes from the uacregd configuration (`--config FILE`, else `UACREG_CONFIG`): the file is located,
 * read and validated by @uacreg/config exactly as `uacregd` does it (a file the daemon refuses is refused here with
 * the same message), then the tool keeps `db_url`, `registrant.table_name` / `registrant.<column>_column`, and the
 * MI endpoints `mi.http` / `mi.fifo`.
 */
import { type ConfigEnvironment, loadConfig, miHttpUrl, type UacregConfig } from "@uacreg/config";
import type { ValidationContext } from "@uacreg/core";
import { REGISTRANT_COLUMNS, type RegistrantColumn } from "@uacreg/db";
import { configRowValidation } from "./row-validation.js";

/** The logical columns of the registrant table (docs/opensips-behaviour.md §11), as @uacreg/db names them. */
export const COLUMN_NAMES = REGISTRANT_COLUMNS;
export type ColumnName = RegistrantColumn;

/** The table naming in the shape @uacreg/db's `openRepository` takes. */
export interface TableNaming {
  tableName?: string;
  columns?: Partial<Record<ColumnName, string>>;
}

export interface CliConfig {
  dbUrl?: string;
  table: TableNaming;
  /** How the daemon with this configuration validates a row (`db import` refuses what it would not load). */
  rowValidation: ValidationContext;
  miUrl?: string;
  miFifo?: { path: string; replyDir: string };
}

/** The parts of the configuration the tool uses. */
export function cliConfigOf(config: UacregConfig): CliConfig {
  const cli: CliConfig = {
    dbUrl: config.db_url,
    table: { tableName: config.registrant.table_name, columns: { ...config.registrant.columns } },
    rowValidation: configRowValidation(config),
  };
  const miUrl = miHttpUrl(config);
  if (miUrl !== undefined) cli.miUrl = miUrl;
  if (config.mi.fifo) cli.miFifo = { path: config.mi.fifo.path, replyDir: config.mi.fifo.reply_dir };
  return cli;
}

/**
 * `--config FILE`, else `UACREG_CONFIG`; undefined when neither names a file (the tool then needs `--db-url` /
 * `--url` / `--fifo`, or uses the MI default).
 * @throws ConfigError (from @uacreg/config) naming the key and the value, or `--config` for an unreadable file
 */
export function loadCliConfig(configFlag: string | undefined, environment: ConfigEnvironment): CliConfig | undefined {
  const { file, config } = loadConfig({ config: configFlag }, environment);
  return file === undefined ? undefined : cliConfigOf(config);
}
