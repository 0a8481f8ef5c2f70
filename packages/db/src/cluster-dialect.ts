/**
 * What differs between the engines for the cluster tables (docs/cluster.md §2, §3.2): column types, the database
 * clock, the idempotent DDL, the upsert form and, on PostgreSQL, LISTEN/NOTIFY. The engine-independent statements are
 * in `lease-statements.ts`; each adapter's {@link SqlDialect} carries one of these as `cluster`.
 */
import type { ParsedDbUrl } from "./db-url.js";

/** One column of a cluster table, in the engine's types. */
export interface ClusterColumn {
  readonly name: string;
  /** `key`: compared byte for byte (unit, node name, incarnation, record_key); `time`: a database-clock instant. */
  readonly kind: "key" | "text" | "integer" | "time";
  /** Characters, for `key` and `text`. */
  readonly length?: number;
  readonly nullable?: boolean;
}

/** One cluster table (docs/cluster.md §2). */
export interface ClusterTable {
  readonly name: string;
  readonly columns: readonly ClusterColumn[];
  readonly primaryKey: string;
  /** Secondary indexes: name → column. */
  readonly indexes: readonly { readonly name: string; readonly column: string }[];
}

/** A LISTEN that runs until closed (PostgreSQL). */
export interface ClusterSubscription {
  close(): Promise<void>;
}

/** The engine-specific SQL of the cluster tables. Every `param`/`expr` argument is ready SQL. */
export interface ClusterSqlDialect {
  /**
   * Idempotent DDL creating `table` with its indexes when it is absent (never altering an existing one). Key columns
   * get a binary collation where the engine's default is case-insensitive.
   */
  createTable(table: ClusterTable): string[];
  /** The database clock at this statement, in the type of the `time` columns (docs/cluster.md §3.2). */
  readonly now: string;
  /** The database clock at this statement plus the milliseconds bound at `param`. */
  nowPlus(param: string): string;
  /** A `time` value (a column or {@link now}) as integer milliseconds since 1970-01-01 UTC. */
  epochMs(expr: string): string;
  /** An integer bind parameter in a SELECT list (PostgreSQL would otherwise type an untyped parameter as text). */
  integer(param: string): string;
  /** What a SELECT with no table needs before its WHERE (`FROM DUAL` on MySQL/MariaDB, else empty). */
  readonly fromNothing: string;
  /**
   * One statement inserting the rows of `select` (its columns in the order of `columns`) into `table`, updating the
   * `update` columns of a row whose `key` exists, or leaving it alone when `update` is empty. Its affected-row count
   * is positive when a row was inserted or updated, 0 when `select` produced nothing. `select` always has a WHERE.
   */
  upsertSelect(
    table: string,
    columns: readonly string[],
    key: string,
    update: readonly string[],
    select: string,
  ): string;
  /** The statement that wakes the other nodes after a release or a leave, where the engine has channels. */
  readonly notifySql?: string;
  /** Opens a dedicated connection listening for {@link notifySql} (docs/cluster.md §3.5). */
  listen?(url: ParsedDbUrl, onNotify: () => void, onError: (error: unknown) => void): Promise<ClusterSubscription>;
}

/** The channel PostgreSQL nodes LISTEN on (docs/cluster.md §3.5). */
export const CLUSTER_CHANNEL = "uacreg_cluster";

/** How an engine spells a cluster table's DDL (see {@link clusterTableDdl}). */
export interface ClusterDdlStyle {
  quote(identifier: string): string;
  /** The column type, collation included. */
  type(column: ClusterColumn): string;
  /** What precedes the table name, e.g. `CREATE TABLE IF NOT EXISTS`. */
  head: string;
  /** What follows the closing parenthesis (table options). */
  tail?: string;
  /** An index declared inside CREATE TABLE (engines without `CREATE INDEX IF NOT EXISTS`); else none. */
  inlineIndex?(name: string, column: string): string;
}

/** CREATE TABLE for a cluster table: columns, NOT NULL unless nullable, the primary key, inline indexes. */
export function clusterTableDdl(table: ClusterTable, style: ClusterDdlStyle): string {
  const q = style.quote;
  const parts = [
    ...table.columns.map((c) => `${q(c.name)} ${style.type(c)} ${c.nullable ? "NULL" : "NOT NULL"}`),
    `PRIMARY KEY (${q(table.primaryKey)})`,
    ...table.indexes.flatMap((i) => (style.inlineIndex ? [style.inlineIndex(q(i.name), q(i.column))] : [])),
  ];
  return `${style.head} ${q(table.name)} (\n    ${parts.join(",\n    ")}\n)${style.tail ?? ""}`;
}

/** `INSERT … SELECT … ON CONFLICT (key) DO UPDATE/NOTHING`: the upsert of PostgreSQL and SQLite (≥ 3.24). */
export function onConflictUpsert(
  table: string,
  columns: readonly string[],
  key: string,
  update: readonly string[],
  select: string,
): string {
  const action =
    update.length === 0 ? "DO NOTHING" : `DO UPDATE SET ${update.map((c) => `${c} = excluded.${c}`).join(", ")}`;
  return `INSERT INTO ${table} (${columns.join(", ")}) ${select} ON CONFLICT (${key}) ${action}`;
}

/** CREATE TABLE IF NOT EXISTS and CREATE INDEX IF NOT EXISTS (PostgreSQL, SQLite). */
export function createIfNotExists(table: ClusterTable, style: Omit<ClusterDdlStyle, "head">): string[] {
  const q = style.quote;
  return [
    clusterTableDdl(table, { ...style, head: "CREATE TABLE IF NOT EXISTS" }),
    ...table.indexes.map((i) => `CREATE INDEX IF NOT EXISTS ${q(i.name)} ON ${q(table.name)} (${q(i.column)})`),
  ];
}
