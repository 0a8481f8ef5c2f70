/**
 * `db_url` (docs/opensips-behaviour.md §1): parsed by @uacreg/db's own parser, and, for `--check-config`, its
 * `?option=value` list checked against the options the engine's adapter passes to its driver, offline, the way
 * the adapter refuses them when it opens the database.
 */
import {
  checkUrlOptions,
  DbUrlError,
  type DbEngine,
  maskDbUrl,
  parseDbUrl,
  type ParsedDbUrl,
  type SqlDialect,
} from "@uacreg/db";
import { ConfigError } from "./config-error.js";

/**
 * The adapters' dialects, whose `urlOptions` list what each driver accepts: imported only for the engine `db_url`
 * names, and only by {@link checkDriverOptions} (docs/performance-startup.md: loading every adapter, with its driver,
 * cost the daemon's start-up a tenth of a CPU-second before it had read its configuration).
 */
const DIALECTS: Readonly<Record<DbEngine, () => Promise<SqlDialect>>> = {
  sqlite: async () => (await import("@uacreg/db-sqlite")).sqliteDialect,
  postgres: async () => (await import("@uacreg/db-postgres")).postgresDialect,
  mysql: async () => (await import("@uacreg/db-mysql")).mysqlDialect,
  mssql: async () => (await import("@uacreg/db-mssql")).mssqlDialect,
};

/**
 * Parses `db_url` with @uacreg/db's `parseDbUrl`.
 * @throws ConfigError on `db_url`, the URL masked (a password, in the user info or an option, never shows)
 */
export function checkDbUrl(dbUrl: string): ParsedDbUrl {
  try {
    return parseDbUrl(dbUrl);
  } catch (e) {
    if (!(e instanceof DbUrlError)) throw e;
    throw dbUrlConfigError(dbUrl, e);
  }
}

/**
 * Option values the adapters turn into numbers for their driver (`Number(value)`, `connect_timeout` × 1000): the
 * values the driver refuses or cannot use. better-sqlite3 refuses a `timeout` that is not an integer 0..2^31−1 (ms);
 * a `connect_timeout` (s) that is not a number reaches pg, mysql2 and tedious as NaN (no timeout, or one of 1 ms).
 */
const NUMERIC_OPTIONS: Readonly<Record<string, { valid: (n: number) => boolean; rule: string }>> = {
  timeout: {
    valid: (n) => Number.isInteger(n) && n >= 0 && n <= 0x7fffffff,
    rule: "must be a whole number of milliseconds (0..2147483647)",
  },
  connect_timeout: { valid: (n) => Number.isFinite(n) && n >= 0, rule: "must be a number of seconds ≥ 0" },
};

/**
 * The options of `db_url` the engine's adapter would refuse at open (an option its driver is not given, with the
 * adapter's wording) or whose value its driver refuses. Offline: no connection is made. Checked by `uacregd
 * --check-config`; a running daemon meets the same refusal when it opens the database.
 * @throws ConfigError on `db_url`, the URL masked (the promise rejects with it)
 */
export async function checkDriverOptions(dbUrl: string): Promise<void> {
  const url = checkDbUrl(dbUrl);
  const dialect = await DIALECTS[url.engine]();
  try {
    checkUrlOptions(dialect, url);
  } catch (e) {
    if (!(e instanceof DbUrlError)) throw e;
    throw dbUrlConfigError(dbUrl, e);
  }
  for (const [key, value] of Object.entries(url.options)) {
    const numeric = NUMERIC_OPTIONS[key];
    if (numeric && (value.trim() === "" || !numeric.valid(Number(value)))) {
      throw dbUrlConfigError(dbUrl, new DbUrlError(`db_url ${url.masked}: option ${key}=${value} ${numeric.rule}`));
    }
  }
}

/** @uacreg/db's messages start with the masked URL; the ConfigError shows it as the value and keeps the reason. */
function dbUrlConfigError(dbUrl: string, e: DbUrlError): ConfigError {
  const masked = maskDbUrl(dbUrl);
  const reason = e.message.startsWith(`db_url ${masked}`)
    ? e.message.slice(`db_url ${masked}`.length).replace(/^:\s*/, "")
    : e.message;
  return new ConfigError("db_url", masked, reason);
}
