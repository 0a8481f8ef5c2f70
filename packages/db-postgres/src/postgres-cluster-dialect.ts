/**
 * The cluster tables on PostgreSQL (docs/cluster.md §2, §3.2). Times are `TIMESTAMPTZ(3)` from
 * `statement_timestamp()`: the start of the current statement, the same in every reference within it. (`now()` is
 * the start of the *transaction*, equal to it for our autocommit statements but not inside a longer transaction;
 * `clock_timestamp()` changes between references of one statement.) Key columns are `COLLATE "C"`: byte order and
 * byte equality. A release or a leave sends `NOTIFY uacreg_cluster`; {@link listenForClusterChanges} hears it on a
 * dedicated pg client (docs/cluster.md §3.5).
 */
import {
  CLUSTER_CHANNEL,
  type ClusterColumn,
  type ClusterSqlDialect,
  type ClusterSubscription,
  createIfNotExists,
  onConflictUpsert,
  type ParsedDbUrl,
} from "@uacreg/db";
import pg from "pg";

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function type(c: ClusterColumn): string {
  switch (c.kind) {
    case "key":
      return `VARCHAR(${c.length ?? 255}) COLLATE "C"`;
    case "text":
      return `VARCHAR(${c.length ?? 255})`;
    case "integer":
      return "BIGINT";
    case "time":
      return "TIMESTAMPTZ(3)";
  }
}

const NOW = "statement_timestamp()";

/**
 * LISTEN on `uacreg_cluster` with its own client (a pooled connection would lose the LISTEN when returned). An error
 * or the end of the connection is reported once through `onError`; the caller listens again if it wants to (its
 * poll keeps working meanwhile).
 */
export async function listenForClusterChanges(
  url: ParsedDbUrl,
  onNotify: () => void,
  onError: (error: unknown) => void,
  pgConfig: pg.ClientConfig,
): Promise<ClusterSubscription> {
  const client = new pg.Client(pgConfig);
  let closing = false;
  let failed = false;
  const fail = (error: unknown) => {
    if (closing || failed) return;
    failed = true;
    onError(error);
  };
  client.on("notification", (n) => {
    if (n.channel === CLUSTER_CHANNEL) onNotify();
  });
  client.on("error", fail);
  client.on("end", () => fail(new Error(`LISTEN connection to ${url.masked} ended`)));
  try {
    await client.connect();
    await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
  } catch (e) {
    closing = true;
    await client.end().catch(() => undefined);
    throw e;
  }
  return {
    close: async () => {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}

/** The cluster SQL of PostgreSQL; `pgConfig` turns the db_url into the LISTEN client's settings. */
export function postgresClusterDialect(pgConfig: (url: ParsedDbUrl) => pg.ClientConfig): ClusterSqlDialect {
  return {
    createTable: (table) => createIfNotExists(table, { quote, type }),
    now: NOW,
    nowPlus: (param) => `(${NOW} + CAST(${param} AS DOUBLE PRECISION) * INTERVAL '1 millisecond')`,
    epochMs: (expr) => `CAST(FLOOR(EXTRACT(EPOCH FROM ${expr}) * 1000) AS BIGINT)`,
    integer: (param) => `CAST(${param} AS BIGINT)`,
    fromNothing: "",
    upsertSelect: onConflictUpsert,
    notifySql: `NOTIFY ${CLUSTER_CHANNEL}`,
    listen: (url, onNotify, onError) => listenForClusterChanges(url, onNotify, onError, pgConfig(url)),
  };
}
