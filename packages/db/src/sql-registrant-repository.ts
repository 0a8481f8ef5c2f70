/**
 * The engine-independent `registrant` repository over TypeORM (docs/opensips-behaviour.md §2.2, §8, §11;
 * docs/contracts.md). Adapters give it a {@link SqlDialect}; it does connection management with reconnect and back-off,
 * column-name resolution against the live catalog, keyset-paged loading, error classification and password masking.
 */
import { type Clock, delay as clockDelay, type Logger, systemClock } from "@uacreg/runtime";
import type { DataSource, EntitySchema } from "typeorm";
import {
  DbConnectionError,
  DbError,
  DuplicateKeyError,
  dbErrorOf,
  MissingColumnsError,
  SchemaError,
  SchemaVersionError,
} from "./db-errors.js";
import type { ParsedDbUrl } from "./db-url.js";
import { registrantEntitySchema } from "./registrant-entity-schema.js";
import { forgetLastStat, loadedTypeorm, typeorm } from "./typeorm-module.js";
import { MissingTableError } from "./missing-table-error.js";
import { type BulkImport, type ImportOutcome, importBatchWith } from "./registrant-bulk-upsert.js";
import { registrantQueries } from "./registrant-queries.js";
import type { RegistrantKey, RegistrantRepository, RegistrantRow, SchemaAdmin } from "./registrant-row.js";
import { checkUrlOptions, type SqlDialect, type StoredTable } from "./sql-dialect.js";
import { CLUSTER_TABLES } from "./cluster-tables.js";
import { type ClusterDatabase, type LeaseStoreOptions, SqlLeaseStore } from "./sql-lease-store.js";
import {
  REGISTRANT_COLUMNS,
  REGISTRANT_TABLE_VERSION,
  type RegistrantColumn,
  type TableConfig,
} from "./table-config.js";

/** Reconnect policy for a lost connection: `attempts` tries in all, delays doubling from `initialDelayMs`. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RepositoryOptions {
  /** Rows per page in loadAll (keyset pagination by id). Default 1000. */
  pageSize?: number;
  /** Default: 5 attempts, 200 ms doubling up to 5 s. */
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** The timer of the back-off between attempts (default `systemClock`; tests pass their own). */
  clock?: Clock;
  /**
   * A connection for the start-up statements (catalog, version row, the registrant table's DDL) without TypeORM: the
   * embedded SQLite opens, checks and reads its table with better-sqlite3 alone, and TypeORM (0.2 CPU-s to load) is
   * loaded at the first write (docs/performance-startup.md). Absent: everything goes through the DataSource.
   */
  direct?: DirectConnection;
}

/**
 * Plain SQL on a connection of the adapter's own, outside TypeORM (SQLite: better-sqlite3). `query` resolves with the
 * rows of a statement that returns rows (objects keyed by column name), else with an empty array.
 */
export interface DirectConnection {
  query(sql: string, params?: readonly unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** What the catalog and schema statements need: a DataSource or a {@link DirectConnection}. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

const OPTIONAL_STRINGS = [
  "proxy",
  "third_party_registrant",
  "username",
  "password",
  "binding_params",
  "forced_socket",
  "cluster_shtag",
] as const;

/** The OpenSIPS `version` table (standard-create.sql): (table_name, table_version). */
const VERSION_TABLE = "version";

function text(v: unknown): string {
  return v === null || v === undefined ? "" : typeof v === "string" ? v : String(v);
}

function optional(v: unknown): string | null {
  // docs/opensips-behaviour.md §2.2: NULL arrives as "" in OpenSIPS, so NULL and '' are the same for optional columns.
  const s = v === null || v === undefined ? "" : typeof v === "string" ? v : String(v);
  return s === "" ? null : s;
}

/**
 * An integer column (`expiry`, `state`, `id`): NULL and '' are null; a number or decimal digits (some drivers hand
 * integers over as text) are the number; anything else (SQLite stores text as text even in an INTEGER column) is NaN,
 * never a silent default, so the engine rejects the row naming the column (docs/opensips-behaviour.md §2.2).
 */
function integer(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
}

/** Maps one raw result row (keyed by logical names) to a RegistrantRow. */
export function toRegistrantRow(raw: Record<string, unknown>): RegistrantRow {
  const row: RegistrantRow = {
    registrar: text(raw.registrar),
    proxy: null,
    aor: text(raw.aor),
    third_party_registrant: null,
    username: null,
    password: null,
    binding_URI: text(raw.binding_URI),
    binding_params: null,
    expiry: integer(raw.expiry),
    forced_socket: null,
    cluster_shtag: null,
    state: integer(raw.state) ?? 0,
  };
  for (const c of OPTIONAL_STRINGS) row[c] = optional(raw[c]);
  const id = integer(raw.id);
  if (id !== null && Number.isInteger(id)) row.id = id;
  return row;
}

/**
 * The same conversion as {@link toRegistrantRow}, from one row read as an array (a driver's raw mode): `values` is
 * `id`, then the 12 columns in the order of {@link REGISTRANT_COLUMNS} (docs/opensips-behaviour.md §11). One object
 * per row, built in one fixed shape: a load of 1,000,000 rows makes no intermediate object keyed by name
 * (docs/performance-startup.md).
 */
export function registrantRowOfValues(values: readonly unknown[]): RegistrantRow {
  const row: RegistrantRow = {
    registrar: text(values[1]),
    proxy: optional(values[2]),
    aor: text(values[3]),
    third_party_registrant: optional(values[4]),
    username: optional(values[5]),
    password: optional(values[6]),
    binding_URI: text(values[7]),
    binding_params: optional(values[8]),
    expiry: integer(values[9]),
    forced_socket: optional(values[10]),
    cluster_shtag: optional(values[11]),
    state: integer(values[12]) ?? 0,
  };
  const id = integer(values[0]);
  if (id !== null && Number.isInteger(id)) row.id = id;
  return row;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Hides the URL's password (raw and encoded spellings) in a driver message. */
export function maskSecret(message: string, password: string | undefined): string {
  if (!password) return message;
  let out = message;
  for (const spelling of new Set([password, encodeURIComponent(password)])) {
    out = out.replace(new RegExp(escapeRegExp(spelling), "g"), "***");
  }
  return out;
}

/**
 * The repository. Create it with {@link SqlRegistrantRepository.open}; adapters wrap that in their `DbAdapter.open`.
 */
export class SqlRegistrantRepository implements RegistrantRepository, SchemaAdmin, ClusterDatabase, BulkImport {
  readonly dialect: SqlDialect;
  readonly url: ParsedDbUrl;
  readonly config: TableConfig;
  private readonly pageSize: number;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger | undefined;
  private readonly clock: Clock;
  private stored: StoredTable;
  /** Built on first use (it needs TypeORM): see {@link schema}. */
  private builtSchema: EntitySchema<RegistrantRow> | undefined;
  private readonly direct: DirectConnection | undefined;
  private ds: DataSource | undefined;
  private connecting: Promise<DataSource> | undefined;
  private closed = false;

  private constructor(dialect: SqlDialect, url: ParsedDbUrl, config: TableConfig, options: RepositoryOptions) {
    this.dialect = dialect;
    this.url = url;
    this.config = config;
    this.pageSize = Math.max(1, Math.floor(options.pageSize ?? 1000));
    this.retry = { attempts: 5, initialDelayMs: 200, maxDelayMs: 5000, ...options.retry };
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.stored = this.guessStored();
    this.direct = options.direct;
  }

  /** The entity schema of the stored names, built when TypeORM is first needed (not by a start-up on `direct`). */
  private get schema(): EntitySchema<RegistrantRow> {
    this.builtSchema ??= registrantEntitySchema(this.stored);
    return this.builtSchema;
  }

  /**
   * Connects (with the retry policy), then resolves the configured names against the table when it exists.
   * Throws DbUrlError for options the adapter does not know, DbConnectionError / DbAuthenticationError otherwise.
   */
  static async open(
    dialect: SqlDialect,
    url: ParsedDbUrl,
    config: TableConfig,
    options: RepositoryOptions = {},
  ): Promise<SqlRegistrantRepository> {
    checkUrlOptions(dialect, url);
    const repo = new SqlRegistrantRepository(dialect, url, config, options);
    await repo.runCatalog(async (q) => {
      await repo.resolveStored(q);
    });
    return repo;
  }

  /** The names as stored (after case-insensitive resolution on the live catalog). */
  get storedTable(): StoredTable {
    return { tableName: this.stored.tableName, columns: { ...this.stored.columns } };
  }

  /** The TypeORM DataSource currently in use (connecting if needed); for adapters' tests and tools. */
  async dataSource(): Promise<DataSource> {
    return this.connect();
  }

  private guessStored(): StoredTable {
    const columns = {} as Record<RegistrantColumn, string>;
    for (const c of REGISTRANT_COLUMNS) columns[c] = this.dialect.storedName(this.config.columns[c]);
    return { tableName: this.dialect.storedName(this.config.tableName), columns };
  }

  private newDataSource(): DataSource {
    const { DataSource: Source } = typeorm();
    // Its driver package is required in the constructor, maybe long after start-up (typeorm-module.ts).
    forgetLastStat();
    return new Source({
      ...this.dialect.dataSourceOptions(this.url),
      entities: [this.schema],
      synchronize: false,
      logging: false,
    } as ConstructorParameters<typeof DataSource>[0]);
  }

  private async connect(): Promise<DataSource> {
    if (this.closed) throw new DbConnectionError(`repository for ${this.url.masked} is closed`);
    if (this.ds?.isInitialized) return this.ds;
    if (!this.connecting) {
      const ds = this.newDataSource();
      this.connecting = ds
        .initialize()
        .then(() => {
          this.ds = ds;
          return ds;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  /**
   * Drops the current DataSource, or only `failed` if it is still the current one: two operations that fail on the
   * same lost connection must not tear down the fresh DataSource the first one already rebuilt.
   */
  private async disconnect(failed?: DataSource): Promise<void> {
    const ds = failed ?? this.ds;
    if (ds === this.ds) this.ds = undefined;
    if (ds?.isInitialized) await ds.destroy().catch(() => undefined);
  }

  /** Turns anything thrown by TypeORM or a driver into a typed DbError with the password masked. */
  translate(error: unknown): DbError {
    if (error instanceof DbError) return error;
    // Without TypeORM loaded (a start-up on `direct`), nothing thrown can be its QueryFailedError.
    const orm = loadedTypeorm();
    const driverError = orm && error instanceof orm.QueryFailedError ? (error.driverError as unknown) : error;
    const c = this.dialect.classify(driverError);
    const message = maskSecret(`${this.dialect.engine} (${this.url.masked}): ${c.message}`, this.url.password);
    return dbErrorOf(c.kind, message, c.code);
  }

  /** Runs `op` connected; a lost connection is retried with doubling back-off after a reconnect. */
  private async run<T>(op: (ds: DataSource) => Promise<T>): Promise<T> {
    return this.retrying(
      () => this.connect(),
      op,
      (ds) => this.disconnect(ds),
    );
  }

  /** Runs a catalog or schema statement on the {@link DirectConnection} when there is one, else as {@link run}. */
  private async runCatalog<T>(op: (q: Queryable) => Promise<T>): Promise<T> {
    const direct = this.direct;
    if (direct === undefined) return this.run(op);
    return this.retrying(
      async () => this.catalog(),
      op,
      async () => undefined,
    );
  }

  /** Where the catalog statements go: the {@link DirectConnection}, else the DataSource. */
  private async catalog(): Promise<Queryable> {
    if (this.closed) throw new DbConnectionError(`repository for ${this.url.masked} is closed`);
    return this.direct ?? this.connect();
  }

  private async retrying<C, T>(
    connect: () => Promise<C>,
    op: (c: C) => Promise<T>,
    drop: (c: C) => Promise<void>,
  ): Promise<T> {
    let delay = this.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      let c: C | undefined;
      try {
        c = await connect();
        return await op(c);
      } catch (e) {
        const err = this.translate(e);
        if (!err.retryable || this.closed || attempt >= this.retry.attempts) throw err;
        this.logger?.warn(
          { db: this.url.masked, attempt, delayMs: delay, error: err.message },
          "database connection lost, reconnecting",
        );
        if (c !== undefined) await drop(c);
        await clockDelay(this.clock, delay);
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
    }
  }

  private raw(sql: string): string {
    let i = 0;
    return sql.replace(/\?/g, () => this.dialect.param(i++));
  }

  /** Columns of `table` in the current database, keyed by the table spelling found. */
  private async listColumns(
    ds: Queryable,
    table: string,
  ): Promise<{ tableName: string; columns: string[] } | undefined> {
    const rows = (await ds.query(this.raw(this.dialect.listColumnsSql()), [table])) as Array<Record<string, unknown>>;
    const byTable = new Map<string, string[]>();
    for (const r of rows) {
      const t = text(r.table_name ?? r.TABLE_NAME);
      const c = text(r.column_name ?? r.COLUMN_NAME);
      if (t.toLowerCase() !== table.toLowerCase()) continue;
      byTable.set(t, [...(byTable.get(t) ?? []), c]);
    }
    if (byTable.size === 0) return undefined;
    const exact = byTable.get(table);
    if (exact) return { tableName: table, columns: exact };
    const [first] = byTable.entries();
    return first ? { tableName: first[0], columns: first[1] } : undefined;
  }

  /**
   * Matches each configured name to a live column: exact spelling first, else case-insensitively (PostgreSQL
   * folds OpenSIPS's unquoted `binding_URI` to `binding_uri`). Returns the missing logical columns.
   */
  private async resolveStored(ds: Queryable): Promise<{ exists: boolean; missing: RegistrantColumn[] }> {
    const found =
      (await this.listColumns(ds, this.config.tableName)) ??
      (this.stored.tableName !== this.config.tableName ? await this.listColumns(ds, this.stored.tableName) : undefined);
    if (!found) return { exists: false, missing: [] };
    const columns = {} as Record<RegistrantColumn, string>;
    const missing: RegistrantColumn[] = [];
    for (const logical of REGISTRANT_COLUMNS) {
      const want = this.config.columns[logical];
      const hit =
        found.columns.find((c) => c === want) ?? found.columns.find((c) => c.toLowerCase() === want.toLowerCase());
      if (hit === undefined) missing.push(logical);
      columns[logical] = hit ?? this.dialect.storedName(want);
    }
    const next: StoredTable = { tableName: found.tableName, columns };
    if (JSON.stringify(next) !== JSON.stringify(this.stored)) {
      this.stored = next;
      this.builtSchema = undefined;
      // A DataSource built on the guessed names is rebuilt on the found ones (none yet on a `direct` start-up).
      if (this.ds !== undefined || this.connecting !== undefined) {
        await this.connecting?.catch(() => undefined);
        await this.disconnect();
        await this.connect();
      }
    }
    return { exists: true, missing };
  }

  private async readVersion(ds: Queryable): Promise<{ tableExists: boolean; version: number | undefined }> {
    const v = await this.listColumns(ds, VERSION_TABLE);
    if (!v) return { tableExists: false, version: undefined };
    const q = this.dialect.quote;
    const names = [this.config.tableName, this.stored.tableName];
    const rows = (await ds.query(
      this.raw(
        `SELECT ${q("table_version")} AS v, ${q("table_name")} AS t FROM ${q(v.tableName)} ` +
          `WHERE ${q("table_name")} = ? OR ${q("table_name")} = ?`,
      ),
      names,
    )) as Array<Record<string, unknown>>;
    const row = rows.find((r) => text(r.t) === this.config.tableName) ?? rows[0];
    return { tableExists: true, version: row ? (integer(row.v) ?? undefined) : undefined };
  }

  async createSchema(): Promise<void> {
    await this.runCatalog(async (ds) => {
      const { version, tableExists: versionTable } = await this.readVersion(ds);
      const table = await this.resolveStored(await this.catalog());
      const name = this.config.tableName;
      if (version !== undefined && version !== REGISTRANT_TABLE_VERSION) {
        throw new SchemaVersionError(name, version, REGISTRANT_TABLE_VERSION);
      }
      if (table.exists && table.missing.length > 0) {
        throw new MissingColumnsError(name, version, REGISTRANT_TABLE_VERSION, this.missingNames(table.missing));
      }
      const statements: string[] = [];
      if (!table.exists) {
        const create: StoredTable = this.guessStored();
        statements.push(...this.dialect.createRegistrantTable(create));
      }
      if (!versionTable) statements.push(...this.dialect.createVersionTable());
      for (const sql of statements) await (await this.catalog()).query(sql);
      if (version === undefined) {
        const q = this.dialect.quote;
        await (await this.catalog()).query(
          this.raw(`INSERT INTO ${q(VERSION_TABLE)} (${q("table_name")}, ${q("table_version")}) VALUES (?, ?)`),
          [name, REGISTRANT_TABLE_VERSION],
        );
      }
      if (!table.exists) await this.resolveStored(await this.catalog());
    });
  }

  async checkSchema(): Promise<void> {
    await this.runCatalog(async (ds) => {
      const name = this.config.tableName;
      const { tableExists, version } = await this.readVersion(ds);
      const table = await this.resolveStored(ds);
      if (!table.exists) throw new MissingTableError(name, this.url.masked);
      if (!tableExists) throw new SchemaError(`the OpenSIPS "version" table does not exist`);
      if (version !== REGISTRANT_TABLE_VERSION) throw new SchemaVersionError(name, version, REGISTRANT_TABLE_VERSION);
      if (table.missing.length > 0) {
        throw new MissingColumnsError(name, version, REGISTRANT_TABLE_VERSION, this.missingNames(table.missing));
      }
    });
  }

  async createClusterSchema(): Promise<void> {
    await this.run(async (ds) => {
      for (const table of CLUSTER_TABLES) {
        for (const sql of this.dialect.cluster.createTable(table)) await ds.query(sql);
      }
    });
    await this.checkClusterSchema();
  }

  async checkClusterSchema(): Promise<void> {
    await this.run(async (ds) => {
      for (const table of CLUSTER_TABLES) {
        const found = await this.listColumns(ds, table.name);
        if (!found) throw new SchemaError(`cluster table "${table.name}" does not exist (run uacreg db create)`);
        const have = new Set(found.columns.map((c) => c.toLowerCase()));
        const missing = table.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
        if (missing.length > 0) {
          throw new SchemaError(`cluster table "${table.name}" lacks the columns: ${missing.join(", ")}`);
        }
      }
    });
  }

  /** The lease store of clustering on this repository's DataSource (one pool, docs/cluster.md §2). */
  leaseStore(options: LeaseStoreOptions = {}): SqlLeaseStore {
    return new SqlLeaseStore(this, { ...(this.logger ? { logger: this.logger } : {}), ...options });
  }

  private missingNames(missing: readonly RegistrantColumn[]): string[] {
    return missing.map((c) => `${c}_column=${this.config.columns[c]}`);
  }

  /** Keyset pagination by id: one page at a time, resumed after a reconnect from the last id read. */
  async *loadAll(): AsyncIterable<RegistrantRow> {
    for await (const page of this.loadPages()) yield* page;
  }

  /** The rows of {@link loadAll}, a page at a time. */
  async *loadPages(): AsyncIterable<readonly RegistrantRow[]> {
    let after: number | undefined;
    for (;;) {
      const page = await this.run((ds) =>
        registrantQueries.page(ds, this.schema, after, this.pageSize).getRawMany<Record<string, unknown>>(),
      );
      const rows = page.map(toRegistrantRow);
      for (const row of rows) after = row.id ?? after;
      if (rows.length > 0) yield rows;
      if (page.length < this.pageSize) return;
    }
  }

  async findOne(key: RegistrantKey): Promise<RegistrantRow | undefined> {
    const raw = await this.run((ds) =>
      registrantQueries.byKey(ds, this.schema, this.dialect, key).getRawMany<Record<string, unknown>>(),
    );
    return raw[0] ? toRegistrantRow(raw[0]) : undefined;
  }

  async updateState(key: RegistrantKey, state: number): Promise<void> {
    await this.run((ds) => registrantQueries.updateState(ds, this.schema, this.dialect, key, state).execute());
  }

  async insert(row: RegistrantRow): Promise<void> {
    await this.run((ds) => registrantQueries.insert(ds, this.schema, row).execute());
  }

  async insertMany(rows: Iterable<RegistrantRow>): Promise<void> {
    // Plain parameterized multi-row INSERTs (TypeORM's builder costs more than the database for large imports).
    const per = Math.max(
      1,
      Math.min(this.dialect.maxInsertRows, Math.floor(this.dialect.maxParams / REGISTRANT_COLUMNS.length)),
    );
    let params: unknown[] = [];
    let count = 0;
    const flush = async () => {
      const values = params;
      const sql = registrantQueries.insertManySql(this.dialect, this.stored, count);
      params = [];
      count = 0;
      await this.run((ds) => ds.query(sql, values));
    };
    for (const row of rows) {
      for (const c of REGISTRANT_COLUMNS) params.push(row[c]);
      count += 1;
      if (count >= per) await flush();
    }
    if (count > 0) await flush();
  }

  /**
   * One batch of `uacreg db import` in one transaction (registrant-bulk-upsert.ts): read the batch's stored rows,
   * insert the new keys, write the changed rows by id, leave equal rows alone. A lost connection retries the whole
   * batch (it is idempotent: the plan is made again from what is stored).
   */
  async importBatch(rows: readonly RegistrantRow[]): Promise<ImportOutcome[]> {
    return this.run((ds) =>
      ds.transaction((manager) =>
        importBatchWith(
          (sql, params) => manager.query(sql, params),
          this.dialect,
          this.stored,
          (n) => registrantQueries.insertManySql(this.dialect, this.stored, n),
          toRegistrantRow,
          rows,
        ),
      ),
    );
  }

  async upsert(row: RegistrantRow): Promise<void> {
    // Portable upsert: insert, and on the unique key update in place. Two tries cover a concurrent delete.
    for (let i = 0; ; i++) {
      try {
        await this.insert(row);
        return;
      } catch (e) {
        if (!(e instanceof DuplicateKeyError) || i > 0) throw e;
      }
      const result = await this.run((ds) => registrantQueries.updateRow(ds, this.schema, this.dialect, row).execute());
      if (result.affected === undefined || result.affected > 0) return;
    }
  }

  async delete(key: RegistrantKey): Promise<boolean> {
    const result = await this.run((ds) => registrantQueries.delete(ds, this.schema, this.dialect, key).execute());
    return (result.affected ?? 0) > 0;
  }

  async count(): Promise<number> {
    return this.run((ds) => registrantQueries.count(ds, this.schema).getCount());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.disconnect();
    await this.direct?.close();
  }
}
