/**
 * The embedded defaults: what uacreg runs on with no config file at all. The registrant and tm values come from the
 * packages that own them (the engine's module parameters, the transport's tm timers, @uacreg/db's table naming), so
 * there is one source for each.
 */
import { defaultTableConfig } from "@uacreg/db";
import { DEFAULT_REGISTRANT_PARAMS } from "@uacreg/engine";
import { DEFAULT_TIMERS } from "@uacreg/transport";
import type { LogLevel, MiFifoSection, MiHttpSection, TmSection } from "./config-schema.js";

export const DEFAULT_LISTEN: readonly string[] = ["udp:127.0.0.1:5060"];

/** The registrant defaults that are not the engine's module parameters. */
export const DEFAULT_REGISTRANT_EXTRAS = {
  table_name: defaultTableConfig.tableName,
  /** Seconds the shutdown (with optional unREGISTER) may take. */
  shutdown_timeout: 5,
  /** Client transactions in flight at once (the engine's admission queue). */
  max_in_flight: 2000,
} as const;

/** The engine's module parameter defaults, in the YAML's OpenSIPS names. */
export const DEFAULT_REGISTRANT_PARAMETERS = {
  hash_size: DEFAULT_REGISTRANT_PARAMS.hashSize,
  timer_interval: DEFAULT_REGISTRANT_PARAMS.timerInterval,
  failure_retry_interval: DEFAULT_REGISTRANT_PARAMS.failureRetryInterval,
  reregister_expiry_percentage: DEFAULT_REGISTRANT_PARAMS.reregisterExpiryPercentage,
  default_expires: DEFAULT_REGISTRANT_PARAMS.defaultExpires,
  enable_clustering: DEFAULT_REGISTRANT_PARAMS.enableClustering,
  preemptive_auth: DEFAULT_REGISTRANT_PARAMS.preemptiveAuth,
  unregister_on_shutdown: DEFAULT_REGISTRANT_PARAMS.unregisterOnShutdown,
  max_expires: DEFAULT_REGISTRANT_PARAMS.maxExpires,
  max_retry_after: DEFAULT_REGISTRANT_PARAMS.maxRetryAfter,
} as const;

export const DEFAULT_TM: Readonly<TmSection> = {
  fr_timeout: DEFAULT_TIMERS.timerFMs / 1000,
  T1_timer: DEFAULT_TIMERS.t1Ms,
  T2_timer: DEFAULT_TIMERS.t2Ms,
};

/** mi_http; the limits are those of @uacreg/mi's MiHttpServer (docs/mi-protocol.md §5). */
export const DEFAULT_MI_HTTP: Readonly<MiHttpSection> = {
  listen: "127.0.0.1:8888",
  root: "mi",
  max_body: 65536,
  max_connections: 256,
  idle_timeout_ms: 5000,
  request_timeout_ms: 10_000,
  write_timeout_ms: 10_000,
};
/** `mode` as written in YAML (an octal string). */
export const DEFAULT_MI_FIFO: Readonly<Omit<MiFifoSection, "mode"> & { mode: string }> = {
  path: "/tmp/uacreg_fifo",
  reply_dir: "/tmp/",
  mode: "0660",
  write_timeout_ms: 10_000,
};

export const DEFAULT_LOG: Readonly<{ level: LogLevel; format: "json" | "pretty" }> = { level: "info", format: "json" };
export const DEFAULT_METRICS_LISTEN = "127.0.0.1:9464";

/** `data_dir` for root: the FHS place for variable state. */
export const SYSTEM_DATA_DIR = "/var/lib/uacreg";

/** The embedded SQLite database in `dataDir`, the `db_url` when none is given. */
export function defaultDbUrl(dataDir: string): string {
  return `sqlite://${dataDir.startsWith("/") ? "" : "/"}${dataDir}/registrant.db`;
}
