/**
 * `cluster:` — how this node shares the records with other nodes (docs/cluster.md §3, §5, §7). The lease timing
 * rules are @uacreg/cluster's own; this file reads the YAML types, picks the backend default and names the key.
 * `clustering.active_tags` (the earlier spelling) is still read as `cluster.active_tags`.
 */
import { DEFAULT_LEASE_TIMING, FAST_LEASE_TIMING, LeaseParameterError, validateLeaseTiming } from "@uacreg/cluster";
import { formatSharingTag, parseSharingTag } from "@uacreg/core";
import { ConfigError } from "./config-error.js";
import { readInteger, readString, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

const PREFIX = "cluster.";

export const CLUSTER_BACKENDS = ["none", "static", "db"] as const;
export type ClusterBackend = (typeof CLUSTER_BACKENDS)[number];

/** The lease timing of docs/cluster.md §3, in ms. */
export interface ClusterTiming {
  lease_ms: number;
  renew_ms: number;
  margin_ms: number;
  poll_ms: number;
  statement_timeout_ms: number;
}

/** The timing profiles of docs/cluster.md §3: `default` (failover ≈ 17 s worst case) and `fast` (≈ 7 s). */
export const CLUSTER_TIMING_PROFILES: Readonly<Record<"default" | "fast", ClusterTiming>> = {
  default: timingKeys(DEFAULT_LEASE_TIMING),
  fast: timingKeys(FAST_LEASE_TIMING),
};

function timingKeys(t: typeof DEFAULT_LEASE_TIMING): ClusterTiming {
  return {
    lease_ms: t.leaseMs,
    renew_ms: t.renewMs,
    margin_ms: t.marginMs,
    poll_ms: t.pollMs,
    statement_timeout_ms: t.statementTimeoutMs,
  };
}

/** The validated `cluster:` section. */
export interface ClusterSection {
  backend: ClusterBackend;
  /** This node's name among the live nodes (default: the host name). */
  node_name: string;
  /** db backend: `auto` (the lease protocol) or `manual` (ownership moves only through MI). */
  mode: "auto" | "manual";
  /** static: the tags active here at start; db: the tags that prefer this node. Canonical `name/cluster_id`. */
  active_tags: string[];
  timing: ClusterTiming;
  /** Hash buckets for untagged records (docs/cluster.md §5). */
  buckets: number;
  /** Untagged records: `shard` over the live nodes (db default) or `all` nodes register them (OpenSIPS). */
  untagged: "shard" | "all";
  max_handoffs: number;
  /** REGISTER transactions per second a node starts for records it takes over. */
  takeover_rate: number;
  /** CSeq numbers reserved per record per takeover (docs/cluster.md §4). */
  cseq_block: number;
}

export const CLUSTER_KEYS = [
  "backend",
  "node_name",
  "mode",
  "active_tags",
  "timing",
  "lease_ms",
  "renew_ms",
  "margin_ms",
  "poll_ms",
  "statement_timeout_ms",
  "buckets",
  "untagged",
  "max_handoffs",
  "takeover_rate",
  "cseq_block",
] as const;

/** What the section's defaults depend on. */
export interface ClusterDefaults {
  /** `registrant.enable_clustering`. */
  enableClustering: boolean;
  /** The `db_url` names SQLite (the embedded default): the db backend is then not the default. */
  sqlite: boolean;
  /** The host name, for `node_name`. */
  hostName: string;
}

/**
 * Reads `cluster:` (and the legacy `clustering:` section). Backend default: `none` without `enable_clustering`;
 * with it, `db` unless the database is SQLite (then `static`, OpenSIPS's behaviour).
 * @throws ConfigError naming the key
 */
export function readCluster(c: YamlMapping, legacy: YamlMapping, d: ClusterDefaults): ClusterSection {
  refuseUnknownKeys(c, CLUSTER_KEYS, PREFIX);
  refuseUnknownKeys(legacy, ["active_tags"], "clustering.");
  const fallback: ClusterBackend = !d.enableClustering ? "none" : d.sqlite ? "static" : "db";
  const backend = oneOf(c, "backend", CLUSTER_BACKENDS, fallback);
  if (backend !== "none" && !d.enableClustering) {
    throw new ConfigError(`${PREFIX}backend`, backend, "needs registrant.enable_clustering: 1 (as OpenSIPS)");
  }
  if (c.active_tags !== undefined && legacy.active_tags !== undefined) {
    throw new ConfigError("clustering.active_tags", legacy.active_tags, "given twice: keep cluster.active_tags only");
  }
  const tagsKey = c.active_tags !== undefined ? `${PREFIX}active_tags` : "clustering.active_tags";
  const active_tags = readTags(c.active_tags ?? legacy.active_tags ?? [], tagsKey);
  const profile = oneOf(c, "timing", ["default", "fast"] as const, "default");
  const base = CLUSTER_TIMING_PROFILES[profile];
  const positive = (n: number) => (n < 1 ? "must be at least 1" : undefined);
  const ms = (key: keyof ClusterTiming) => readInteger(c, key, PREFIX, base[key], positive);
  const timing: ClusterTiming = {
    lease_ms: ms("lease_ms"),
    renew_ms: ms("renew_ms"),
    margin_ms: ms("margin_ms"),
    poll_ms: ms("poll_ms"),
    statement_timeout_ms: ms("statement_timeout_ms"),
  };
  const max_handoffs = readInteger(c, "max_handoffs", PREFIX, DEFAULT_LEASE_TIMING.maxHandoffs, positive);
  checkTiming(timing, max_handoffs);
  const node_name = readString(c, "node_name", PREFIX, d.hostName);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(node_name)) {
    throw new ConfigError(`${PREFIX}node_name`, node_name, "must be 1..64 letters, digits, '.', '_' or '-'");
  }
  return {
    backend,
    node_name,
    mode: oneOf(c, "mode", ["auto", "manual"] as const, "auto"),
    active_tags,
    timing,
    buckets: readInteger(c, "buckets", PREFIX, 256, (n) => (n < 1 || n > 65_536 ? "must be 1..65536" : undefined)),
    untagged: oneOf(c, "untagged", ["shard", "all"] as const, backend === "db" ? "shard" : "all"),
    max_handoffs,
    takeover_rate: readInteger(c, "takeover_rate", PREFIX, 1000, positive),
    cseq_block: readInteger(c, "cseq_block", PREFIX, 100, (n) =>
      n < 2 || n > 1_000_000 ? "must be 2..1000000" : undefined,
    ),
  };
}

/** The lease rules are @uacreg/cluster's (docs/cluster.md §3.6); its error names the key. */
function checkTiming(t: ClusterTiming, maxHandoffs: number): void {
  try {
    validateLeaseTiming({
      leaseMs: t.lease_ms,
      renewMs: t.renew_ms,
      marginMs: t.margin_ms,
      pollMs: t.poll_ms,
      statementTimeoutMs: t.statement_timeout_ms,
      maxHandoffs,
    });
  } catch (e) {
    if (!(e instanceof LeaseParameterError)) throw e;
    const value = e.parameter in t ? t[e.parameter as keyof ClusterTiming] : maxHandoffs;
    throw new ConfigError(PREFIX + e.parameter, value, e.message.replace(`${PREFIX}${e.parameter}: `, ""));
  }
}

function oneOf<T extends string>(c: YamlMapping, key: string, allowed: readonly T[], def: T): T {
  const v = c[key];
  if (v === undefined) return def;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(PREFIX + key, v, `must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function readTags(raw: unknown, key: string): string[] {
  if (!Array.isArray(raw)) throw new ConfigError(key, raw, "must be a list of name/id");
  return raw.map((t, i) => {
    const at = `${key}[${i}]`;
    if (typeof t !== "string") throw new ConfigError(at, t, "must be tag/cluster_id (e.g. vip/1)");
    const tag = parseSharingTag(t);
    if (typeof tag === "string") throw new ConfigError(at, t, `must be tag/cluster_id (e.g. vip/1): ${tag}`);
    return formatSharingTag(tag);
  });
}
