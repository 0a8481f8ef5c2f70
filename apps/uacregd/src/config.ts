/**
 * The daemon's configuration: a YAML file whose keys use the OpenSIPS parameter names, so an operator can carry the
 * modparams of an `opensips.cfg` over by hand. Every key is validated at start-up: an unknown key, a wrong type or a
 * value OpenSIPS would refuse throws a {@link ConfigError} naming the key and the value.
 */
import { DbUrlError, maskDbUrl, parseDbUrl, REGISTRANT_COLUMNS, type RegistrantColumn } from "@uacreg/db";
import { parseSocketSpec, SocketSpecError } from "@uacreg/transport";
import { ConfigError } from "./config-error.js";

/** The `*_column` parameters, one per logical column of the registrant table (reference §11). */
export const COLUMN_KEYS = REGISTRANT_COLUMNS;
export type ColumnKey = RegistrantColumn;

export interface TlsSocketConfig {
  cert?: string;
  key?: string;
  ca?: string;
  verify: boolean;
}

export interface DaemonConfig {
  listen: string[];
  tls: Record<string, TlsSocketConfig>;
  db_url: string;
  registrant: {
    hash_size: number;
    timer_interval: number;
    failure_retry_interval: number;
    reregister_expiry_percentage: number;
    default_expires: number;
    enable_clustering: boolean;
    table_name: string;
    columns: Record<ColumnKey, string>;
    preemptive_auth: boolean;
    unregister_on_shutdown: boolean;
    shutdown_timeout: number;
    max_in_flight: number;
  };
  clustering: { active_tags: string[] };
  tm: { fr_timeout: number; T1_timer: number; T2_timer: number };
  mi: {
    http: { listen: string; root: string; max_body: number } | null;
    fifo: { path: string; reply_dir: string; mode: number } | null;
  };
  log: { level: "trace" | "debug" | "info" | "warn" | "error" | "fatal"; format: "json" | "pretty" };
  metrics: { listen: string } | null;
  data_dir: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Obj, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(prefix + k, obj[k], `unknown key (known: ${allowed.join(", ")})`);
  }
}

function int(obj: Obj, key: string, prefix: string, def: number, check?: (n: number) => string | undefined): number {
  const v = obj[key];
  if (v === undefined) return def;
  const n = typeof v === "string" && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new ConfigError(prefix + key, v, "must be an integer");
  const problem = check?.(n);
  if (problem) throw new ConfigError(prefix + key, v, problem);
  return n;
}

function str(obj: Obj, key: string, prefix: string, def: string, nonEmpty = true): string {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v !== "string") throw new ConfigError(prefix + key, v, "must be a string");
  if (nonEmpty && v.trim() === "") throw new ConfigError(prefix + key, v, "must not be empty");
  return v;
}

function bool(obj: Obj, key: string, prefix: string, def: boolean): boolean {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  throw new ConfigError(prefix + key, v, "must be true/false (or 0/1)");
}

function section(obj: Obj, key: string, prefix = ""): Obj | null | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!isObj(v)) throw new ConfigError(prefix + key, v, "must be a mapping (or null)");
  return v;
}

const SOCKET = /^(udp|tcp|tls):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/;

/** Checks one SIP socket in OpenSIPS syntax `proto:host:port`. */
export function checkSocketSpec(spec: unknown, key: string): string {
  if (typeof spec !== "string") throw new ConfigError(key, spec, "must be a string proto:host:port");
  const m = SOCKET.exec(spec.trim());
  if (!m || Number(m[3]) > 65535) {
    throw new ConfigError(key, spec, "must be proto:host:port with proto udp, tcp or tls (e.g. udp:127.0.0.1:5060)");
  }
  try {
    parseSocketSpec(spec);
  } catch (e) {
    if (!(e instanceof SocketSpecError)) throw e;
    // The transport binds literal addresses only (no name lookup for a listening socket).
    throw new ConfigError(key, spec, `must be proto:IP:port with a literal IPv4 or [IPv6] address`);
  }
  return spec.trim();
}

function hostPort(v: string, key: string): string {
  const i = v.lastIndexOf(":");
  const port = Number(v.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(key, v, "must be host:port (e.g. 127.0.0.1:8888)");
  }
  return v;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/**
 * Validates a parsed YAML document (or `undefined` for no config at all) and fills every default.
 * `dataDir` is where the embedded SQLite database lives when `db_url` is not given.
 */
export function resolveConfig(doc: unknown, dataDir: string): DaemonConfig {
  const root: Obj = doc === undefined || doc === null ? {} : isObj(doc) ? doc : {};
  if (doc !== undefined && doc !== null && !isObj(doc)) throw new ConfigError("(top level)", doc, "must be a mapping");
  checkKeys(
    root,
    ["listen", "tls", "db_url", "registrant", "clustering", "tm", "mi", "log", "metrics", "data_dir"],
    "",
  );

  const data_dir = str(root, "data_dir", "", dataDir);

  let listen = ["udp:127.0.0.1:5060"];
  if (root.listen !== undefined) {
    const l = typeof root.listen === "string" ? [root.listen] : root.listen;
    if (!Array.isArray(l) || l.length === 0) throw new ConfigError("listen", root.listen, "must be a non-empty list");
    listen = l.map((s, i) => checkSocketSpec(s, `listen[${i}]`));
  }

  const tls: Record<string, TlsSocketConfig> = {};
  const tlsSec = section(root, "tls");
  if (tlsSec) {
    for (const [spec, v] of Object.entries(tlsSec)) {
      checkSocketSpec(spec, `tls.${spec}`);
      if (!isObj(v)) throw new ConfigError(`tls.${spec}`, v, "must be a mapping of cert, key, ca, verify");
      checkKeys(v, ["cert", "key", "ca", "verify"], `tls.${spec}.`);
      const entry: TlsSocketConfig = { verify: bool(v, "verify", `tls.${spec}.`, true) };
      for (const f of ["cert", "key", "ca"] as const) if (v[f] !== undefined) entry[f] = str(v, f, `tls.${spec}.`, "");
      tls[spec] = entry;
    }
  }

  const tlsByCanonical = new Map(Object.entries(tls).map(([spec, t]) => [parseSocketSpec(spec).canonical, t]));
  for (const [i, spec] of listen.entries()) {
    const parsed = parseSocketSpec(spec);
    if (parsed.proto !== "tls") continue;
    const t = tlsByCanonical.get(parsed.canonical);
    if (!t?.cert || !t.key) {
      throw new ConfigError(`listen[${i}]`, spec, `a TLS socket needs tls."${spec}".cert and tls."${spec}".key`);
    }
  }

  const db_url = str(root, "db_url", "", `sqlite://${data_dir.startsWith("/") ? "" : "/"}${data_dir}/registrant.db`);
  try {
    parseDbUrl(db_url);
  } catch (e) {
    if (!(e instanceof DbUrlError)) throw e;
    // The message names the URL with its password masked; keep only the reason after it.
    const masked = maskDbUrl(db_url);
    const reason = e.message.startsWith(`db_url ${masked}`)
      ? e.message.slice(`db_url ${masked}`.length).replace(/^:\s*/, "")
      : e.message;
    throw new ConfigError("db_url", masked, reason);
  }

  const r = section(root, "registrant") ?? {};
  const rp = "registrant.";
  checkKeys(
    r,
    [
      "hash_size",
      "timer_interval",
      "failure_retry_interval",
      "reregister_expiry_percentage",
      "default_expires",
      "enable_clustering",
      "table_name",
      ...COLUMN_KEYS.map((c) => `${c}_column`),
      "preemptive_auth",
      "unregister_on_shutdown",
      "shutdown_timeout",
      "max_in_flight",
    ],
    rp,
  );
  const hash_size = int(r, "hash_size", rp, 1, (n) => (n < 1 || n > 20 ? "must be between 1 and 20" : undefined));
  const timer_interval = int(r, "timer_interval", rp, 100, (n) => (n < 10 ? "must be at least 10 seconds" : undefined));
  if (Math.floor(timer_interval / 2 ** hash_size) < 1) {
    throw new ConfigError(
      `${rp}timer_interval`,
      timer_interval,
      `must be at least as big as the number of buckets 2^hash_size = ${2 ** hash_size}`,
    );
  }
  const columns = {} as Record<ColumnKey, string>;
  for (const c of COLUMN_KEYS) columns[c] = str(r, `${c}_column`, rp, c);
  const registrant: DaemonConfig["registrant"] = {
    hash_size,
    timer_interval,
    failure_retry_interval: int(r, "failure_retry_interval", rp, 0, (n) => (n < 0 ? "must be >= 0" : undefined)),
    reregister_expiry_percentage: int(r, "reregister_expiry_percentage", rp, 100, (n) =>
      n < 1 || n > 100 ? "must be between 1 and 100" : undefined,
    ),
    default_expires: int(r, "default_expires", rp, 3600, (n) => (n < 15 ? "must be at least 15 seconds" : undefined)),
    enable_clustering: bool(r, "enable_clustering", rp, false),
    table_name: str(r, "table_name", rp, "registrant"),
    columns,
    preemptive_auth: bool(r, "preemptive_auth", rp, true),
    unregister_on_shutdown: bool(r, "unregister_on_shutdown", rp, false),
    shutdown_timeout: int(r, "shutdown_timeout", rp, 5, (n) => (n < 0 || n > 600 ? "must be 0..600 s" : undefined)),
    max_in_flight: int(r, "max_in_flight", rp, 2000, (n) => (n < 1 ? "must be at least 1" : undefined)),
  };

  const c = section(root, "clustering") ?? {};
  checkKeys(c, ["active_tags"], "clustering.");
  const tagsRaw = c.active_tags ?? [];
  if (!Array.isArray(tagsRaw)) throw new ConfigError("clustering.active_tags", tagsRaw, "must be a list of name/id");
  const active_tags = tagsRaw.map((t, i) => {
    if (typeof t !== "string" || !/^[^/\s]+\/\d+$/.test(t.trim())) {
      throw new ConfigError(`clustering.active_tags[${i}]`, t, "must be tag/cluster_id (e.g. vip/1)");
    }
    return t.trim();
  });

  const tmSec = section(root, "tm") ?? {};
  checkKeys(tmSec, ["fr_timeout", "T1_timer", "T2_timer"], "tm.");
  const T1_timer = int(tmSec, "T1_timer", "tm.", 500, (n) => (n < 1 ? "must be at least 1 ms" : undefined));
  const tm = {
    fr_timeout: int(tmSec, "fr_timeout", "tm.", 30, (n) => (n < 1 ? "must be at least 1 second" : undefined)),
    T1_timer,
    T2_timer: int(tmSec, "T2_timer", "tm.", 4000, (n) => (n < T1_timer ? "must be >= T1_timer" : undefined)),
  };

  const miSec = section(root, "mi") ?? {};
  checkKeys(miSec, ["http", "fifo"], "mi.");
  const httpSec = section(miSec, "http", "mi.");
  const fifoSec = section(miSec, "fifo", "mi.");
  let http: DaemonConfig["mi"]["http"] = null;
  if (httpSec !== null) {
    const h = httpSec ?? {};
    checkKeys(h, ["listen", "root", "max_body"], "mi.http.");
    http = {
      listen: hostPort(str(h, "listen", "mi.http.", "127.0.0.1:8888"), "mi.http.listen"),
      root: str(h, "root", "mi.http.", "mi").replace(/^\/+|\/+$/g, ""),
      max_body: int(h, "max_body", "mi.http.", 65536, (n) => (n < 1024 ? "must be at least 1024 bytes" : undefined)),
    };
  }
  let fifo: DaemonConfig["mi"]["fifo"] = null;
  if (fifoSec !== null) {
    const f = fifoSec ?? {};
    checkKeys(f, ["path", "reply_dir", "mode"], "mi.fifo.");
    const modeRaw = f.mode ?? "0660";
    const mode = typeof modeRaw === "string" && /^0?[0-7]{3}$/.test(modeRaw) ? Number.parseInt(modeRaw, 8) : Number.NaN;
    if (Number.isNaN(mode)) throw new ConfigError("mi.fifo.mode", modeRaw, 'must be an octal string like "0660"');
    fifo = {
      path: str(f, "path", "mi.fifo.", "/tmp/uacreg_fifo"),
      reply_dir: str(f, "reply_dir", "mi.fifo.", "/tmp/"),
      mode,
    };
  }

  const logSec = section(root, "log") ?? {};
  checkKeys(logSec, ["level", "format"], "log.");
  const level = str(logSec, "level", "log.", "info");
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError("log.level", level, `must be one of ${LEVELS.join(", ")}`);
  }
  const format = str(logSec, "format", "log.", "json");
  if (format !== "json" && format !== "pretty") throw new ConfigError("log.format", format, "must be json or pretty");

  const metricsSec = section(root, "metrics");
  let metrics: DaemonConfig["metrics"] = null;
  if (metricsSec !== null) {
    const m = metricsSec ?? {};
    checkKeys(m, ["listen"], "metrics.");
    metrics = { listen: hostPort(str(m, "listen", "metrics.", "127.0.0.1:9464"), "metrics.listen") };
  }

  return {
    listen,
    tls,
    db_url,
    registrant,
    clustering: { active_tags },
    tm,
    mi: { http, fifo },
    log: { level: level as DaemonConfig["log"]["level"], format },
    metrics,
    data_dir,
  };
}
