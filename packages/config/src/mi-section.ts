/**
 * `mi:` — the management interface front ends, as OpenSIPS mi_http and mi_fifo: each on by default with its
 * defaults, off when written as `null`.
 */
import { DEFAULT_MI_FIFO, DEFAULT_MI_HTTP } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import type { MiFifoSection, MiHttpSection } from "./config-schema.js";
import { HostPortError, parseHostPort } from "./host-port.js";
import { readInteger, readSection, readString, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

/** A TCP listening address `host:port` (IPv6 in brackets), checked by {@link parseHostPort}. */
export function readListenAddress(obj: YamlMapping, key: string, prefix: string, def: string): string {
  const v = readString(obj, key, prefix, def);
  try {
    parseHostPort(v);
  } catch (e) {
    if (!(e instanceof HostPortError)) throw e;
    throw new ConfigError(prefix + key, v, `must be host:port (e.g. 127.0.0.1:8888): ${e.reason}`);
  }
  return v;
}

/** Bounds of the MI timeouts (ms): below 100 ms a loaded daemon would cut its own clients; above a day is a typo. */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 86_400_000;

function readTimeout(obj: YamlMapping, key: string, prefix: string, def: number): number {
  return readInteger(obj, key, prefix, def, (n) =>
    n < MIN_TIMEOUT_MS || n > MAX_TIMEOUT_MS ? `must be between ${MIN_TIMEOUT_MS} and ${MAX_TIMEOUT_MS} ms` : undefined,
  );
}

export function readMi(m: YamlMapping): { http: MiHttpSection | null; fifo: MiFifoSection | null } {
  refuseUnknownKeys(m, ["http", "fifo"], "mi.");
  const httpSec = readSection(m, "http", "mi.");
  const fifoSec = readSection(m, "fifo", "mi.");
  let http: MiHttpSection | null = null;
  if (httpSec !== null) {
    const h = httpSec ?? {};
    refuseUnknownKeys(
      h,
      ["listen", "root", "max_body", "max_connections", "idle_timeout_ms", "request_timeout_ms", "write_timeout_ms"],
      "mi.http.",
    );
    http = {
      listen: readListenAddress(h, "listen", "mi.http.", DEFAULT_MI_HTTP.listen),
      root: readString(h, "root", "mi.http.", DEFAULT_MI_HTTP.root).replace(/^\/+|\/+$/g, ""),
      max_body: readInteger(h, "max_body", "mi.http.", DEFAULT_MI_HTTP.max_body, (n) =>
        n < 1024 ? "must be at least 1024 bytes" : undefined,
      ),
      max_connections: readInteger(h, "max_connections", "mi.http.", DEFAULT_MI_HTTP.max_connections, (n) =>
        n < 1 ? "must be at least 1" : undefined,
      ),
      idle_timeout_ms: readTimeout(h, "idle_timeout_ms", "mi.http.", DEFAULT_MI_HTTP.idle_timeout_ms),
      request_timeout_ms: readTimeout(h, "request_timeout_ms", "mi.http.", DEFAULT_MI_HTTP.request_timeout_ms),
      write_timeout_ms: readTimeout(h, "write_timeout_ms", "mi.http.", DEFAULT_MI_HTTP.write_timeout_ms),
    };
  }
  let fifo: MiFifoSection | null = null;
  if (fifoSec !== null) {
    const f = fifoSec ?? {};
    refuseUnknownKeys(f, ["path", "reply_dir", "mode", "write_timeout_ms"], "mi.fifo.");
    const modeRaw = f.mode ?? DEFAULT_MI_FIFO.mode;
    const mode = typeof modeRaw === "string" && /^0?[0-7]{3}$/.test(modeRaw) ? Number.parseInt(modeRaw, 8) : Number.NaN;
    if (Number.isNaN(mode)) throw new ConfigError("mi.fifo.mode", modeRaw, 'must be an octal string like "0660"');
    fifo = {
      path: readString(f, "path", "mi.fifo.", DEFAULT_MI_FIFO.path),
      reply_dir: readString(f, "reply_dir", "mi.fifo.", DEFAULT_MI_FIFO.reply_dir),
      mode,
      write_timeout_ms: readTimeout(f, "write_timeout_ms", "mi.fifo.", DEFAULT_MI_FIFO.write_timeout_ms),
    };
  }
  return { http, fifo };
}
