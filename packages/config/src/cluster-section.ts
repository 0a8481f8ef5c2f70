/**
 * `cluster:` — how this node shares the records with other nodes (docs/cluster.md §3, §5, §7). The lease timing
 * rules are @uacreg/cluster's own; this file reads the YAML types, picks the backend default and names the key.
 * `clustering.active_tags` (the earlier spelling) is still read as `cluster.active_tags`.
 */
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
  default: { lease_ms: 15_000, renew_ms: 5_000, margin_ms: 2_000, poll_ms: 2_000, statement_timeout_ms: 3_000 },
  fast: { lease_ms: 6_000, renew_ms: 2_000, margin_ms: 1_000, poll_ms: 1_000, statement_timeout_ms: 1_000 },
};

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
    max_handoffs: readInteger(c, "max_handoffs", PREFIX, 16, positive),
    takeover_rate: readInteger(c, "takeover_rate", PREFIX, 1000, positive),
    cseq_block: readInteger(c, "cseq_block", PREFIX, 100, (n) =>
      n < 2 || n > 1_000_000 ? "must be 2..1000000" : undefined,
    ),
  };
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
