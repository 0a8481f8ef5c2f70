/**
 * The uacreg configuration file: YAML whose keys are the OpenSIPS parameter names (docs/opensips-behaviour.md §1), so
 * an operator can carry the modparams of an `opensips.cfg` over by hand. {@link UacregConfig} is the file once
 * validated, every default filled in; `uacregd` runs on it and `uacreg` reads its database and MI keys from it.
 */
import type { RegistrantColumn } from "@uacreg/db";
import type { ClusterSection } from "./cluster-section.js";
import type { MetricsSection } from "./metrics-section.js";
import type { DbUrlSource } from "./secrets.js";
import type { WebSection } from "./web-section.js";

/** The `tls:` entry of one TLS listening socket. */
export interface TlsSocketConfig {
  cert?: string;
  key?: string;
  ca?: string;
  verify: boolean;
}

/** The `registrant:` section: the uac_registrant modparams plus uacreg's additions (docs/opensips-behaviour.md §1). */
export interface RegistrantSection {
  hash_size: number;
  timer_interval: number;
  failure_retry_interval: number;
  reregister_expiry_percentage: number;
  default_expires: number;
  enable_clustering: boolean;
  table_name: string;
  /** The `<column>_column` parameters, one per logical column of the registrant table (§11). */
  columns: Record<RegistrantColumn, string>;
  preemptive_auth: boolean;
  unregister_on_shutdown: boolean;
  /** Bound (s) on a registrar's granted expiry and Min-Expires (docs/decisions.md; default 86400). */
  max_expires: number;
  /** Bound (s) on a registrar's Retry-After (docs/decisions.md; default 3600). */
  max_retry_after: number;
  shutdown_timeout: number;
  max_in_flight: number;
}

/** The `tm:` section: transaction timers in OpenSIPS tm names (`T1_timer`, `T2_timer` in ms, `fr_timeout` in s). */
export interface TmSection {
  fr_timeout: number;
  T1_timer: number;
  T2_timer: number;
}

/** `mi.http` (OpenSIPS mi_http); `null` when turned off. */
export interface MiHttpSection {
  listen: string;
  root: string;
  max_body: number;
  /** Open connections at most; more are closed as they arrive. */
  max_connections: number;
  /** A kept-alive connection with no request in progress is closed after this long (ms). */
  idle_timeout_ms: number;
  /** A request (headers and body) must arrive within this long (ms). */
  request_timeout_ms: number;
  /** A reply whose socket has not drained for this long (ms) is given up: a deadline on progress, not on the whole. */
  write_timeout_ms: number;
}

/** `mi.fifo` (OpenSIPS mi_fifo); `null` when turned off. `mode` is the octal string read as a number. */
export interface MiFifoSection {
  path: string;
  reply_dir: string;
  mode: number;
  /** A reply whose pipe has not drained for this long (ms) is given up: a deadline on progress, not on the whole. */
  write_timeout_ms: number;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration file. */
export interface UacregConfig {
  listen: string[];
  tls: Record<string, TlsSocketConfig>;
  db_url: string;
  /** Where `db_url` and its password came from (secrets.ts); set by resolveConfig. */
  db_url_source?: DbUrlSource;
  registrant: RegistrantSection;
  /** `cluster:` (docs/cluster.md §7); the legacy `clustering.active_tags` is read into it. */
  cluster: ClusterSection;
  tm: TmSection;
  mi: { http: MiHttpSection | null; fifo: MiFifoSection | null };
  log: { level: LogLevel; format: "json" | "pretty" };
  metrics: MetricsSection | null;
  /** `web:` the status page (docs/web-api.md §1); null when turned off. */
  web: WebSection | null;
  data_dir: string;
}

/** The keys each mapping accepts; anything else is refused by name. */
export const TOP_LEVEL_KEYS = [
  "listen",
  "tls",
  "db_url",
  "db_password_file",
  "registrant",
  "cluster",
  "clustering",
  "tm",
  "mi",
  "log",
  "metrics",
  "web",
  "data_dir",
] as const;
