/**
 * `registrant:` — the uac_registrant modparams (docs/opensips-behaviour.md §1). The YAML types are read here; the
 * rules are the packages' own: `hash_size` / `timer_interval` / `failure_retry_interval` /
 * `reregister_expiry_percentage` / `default_expires` through the engine's `validateRegistrantParams` (which asks the
 * scheduler for the bucket rules), `table_name` / `*_column` through @uacreg/db's `resolveTableConfig`.
 */
import { REGISTRANT_COLUMNS, type RegistrantColumn, resolveTableConfig, TableConfigError } from "@uacreg/db";
import { EngineConfigError, SchedulerConfigError, validateRegistrantParams } from "@uacreg/engine";
import { DEFAULT_REGISTRANT_EXTRAS, DEFAULT_REGISTRANT_PARAMETERS } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import type { RegistrantSection } from "./config-schema.js";
import { readBoolean, readInteger, readString, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

const PREFIX = "registrant.";

export const REGISTRANT_KEYS: readonly string[] = [
  ...Object.keys(DEFAULT_REGISTRANT_PARAMETERS),
  "table_name",
  ...REGISTRANT_COLUMNS.map((c) => `${c}_column`),
  "shutdown_timeout",
  "max_in_flight",
];

export function readRegistrant(r: YamlMapping): RegistrantSection {
  refuseUnknownKeys(r, REGISTRANT_KEYS, PREFIX);
  const d = DEFAULT_REGISTRANT_PARAMETERS;
  const int = (key: keyof typeof d & string, check?: (n: number) => string | undefined) =>
    readInteger(r, key, PREFIX, d[key] as number, check);
  const bool = (key: keyof typeof d & string) => readBoolean(r, key, PREFIX, d[key] as boolean);
  const columns = {} as Record<RegistrantColumn, string>;
  for (const c of REGISTRANT_COLUMNS) columns[c] = readString(r, `${c}_column`, PREFIX, c);
  const section: RegistrantSection = {
    hash_size: int("hash_size"),
    timer_interval: int("timer_interval"),
    failure_retry_interval: int("failure_retry_interval"),
    reregister_expiry_percentage: int("reregister_expiry_percentage"),
    default_expires: int("default_expires"),
    enable_clustering: bool("enable_clustering"),
    table_name: readString(r, "table_name", PREFIX, DEFAULT_REGISTRANT_EXTRAS.table_name),
    columns,
    preemptive_auth: bool("preemptive_auth"),
    unregister_on_shutdown: bool("unregister_on_shutdown"),
    max_expires: int("max_expires"),
    max_retry_after: int("max_retry_after"),
    shutdown_timeout: readInteger(r, "shutdown_timeout", PREFIX, DEFAULT_REGISTRANT_EXTRAS.shutdown_timeout, (n) =>
      n < 0 || n > 600 ? "must be 0..600 s" : undefined,
    ),
    max_in_flight: readInteger(r, "max_in_flight", PREFIX, DEFAULT_REGISTRANT_EXTRAS.max_in_flight, (n) =>
      n < 1 ? "must be at least 1" : undefined,
    ),
  };
  checkModuleParameters(section);
  checkTableNaming(section);
  return section;
}

/** The engine's start-up checks; its errors name the OpenSIPS parameter, which becomes `registrant.<parameter>`. */
function checkModuleParameters(s: RegistrantSection): void {
  try {
    validateRegistrantParams({
      hashSize: s.hash_size,
      timerInterval: s.timer_interval,
      failureRetryInterval: s.failure_retry_interval,
      reregisterExpiryPercentage: s.reregister_expiry_percentage,
      defaultExpires: s.default_expires,
      enableClustering: s.enable_clustering,
      preemptiveAuth: s.preemptive_auth,
      unregisterOnShutdown: s.unregister_on_shutdown,
      maxExpires: s.max_expires,
      maxRetryAfter: s.max_retry_after,
    });
  } catch (e) {
    if (!(e instanceof SchedulerConfigError || e instanceof EngineConfigError)) throw e;
    // Both messages read `<parameter>=<value>: <rule>`; the ConfigError shows the value itself.
    const lead = `${e.parameter}=${String(e.value)}: `;
    throw new ConfigError(
      PREFIX + e.parameter,
      e.value,
      e.message.startsWith(lead) ? e.message.slice(lead.length) : e.message,
    );
  }
}

/** Table and column names must be plain SQL identifiers, each column named once (@uacreg/db). */
function checkTableNaming(s: RegistrantSection): void {
  try {
    resolveTableConfig({ tableName: s.table_name, columns: s.columns });
  } catch (e) {
    if (!(e instanceof TableConfigError)) throw e;
    // @uacreg/db names the parameter first: `table_name "x" …` or `<column>_column "x" …`.
    const parameter = /^(\w+)/.exec(e.message)?.[1] ?? "table_name";
    const column = parameter.endsWith("_column")
      ? (parameter.slice(0, -"_column".length) as RegistrantColumn)
      : undefined;
    const value = column !== undefined && column in s.columns ? s.columns[column] : s.table_name;
    throw new ConfigError(PREFIX + parameter, value, e.message);
  }
}
