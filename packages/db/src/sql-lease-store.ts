/**
 * The shared-database side of clustering (docs/cluster.md §2–§4) over TypeORM, on the DataSource (one pool) of the
 * registrant repository. Implements @uacreg/cluster's `LeaseStore` structurally; the statements are in
 * `lease-statements.ts`, the engine differences in each adapter's `SqlDialect.cluster`.
 *
 * Every call is ONE attempt: a lease call is never retried behind the caller's back (a retried claim could act on a
 * decision the caller already gave up on). A lost connection is a `DbConnectionError`; the caller counts it as an
 * unknown outcome and abandons any call older than its `statement_timeout_ms` (docs/cluster.md §3.3). No engine
 * cancels the abandoned statement: it may still run, which the compare-and-set makes harmless.
 */
import type {
  ClusterSnapshot,
  DialogMark,
  JoinResult,
  LeaseRow,
  LeaseStore,
  MemberRow,
  NodeIdentity,
} from "@uacreg/cluster";
import type { Logger } from "@uacreg/runtime";
import type { DataSource } from "typeorm";
import type { ClusterSubscription } from "./cluster-dialect.js";
import { dialogRecordKey } from "./cluster-tables.js";
import { DataError, type DbError, DuplicateKeyError } from "./db-errors.js";
import type { ParsedDbUrl } from "./db-url.js";
import { type BoundStatement, type LeaseStatements, leaseStatements } from "./lease-statements.js";
import type { SqlDialect } from "./sql-dialect.js";

/** Where a lease store runs its statements: the registrant repository's connection and error translation. */
export interface LeaseStoreSource {
  readonly dialect: SqlDialect;
  readonly url: ParsedDbUrl;
  dataSource(): Promise<DataSource>;
  translate(error: unknown): DbError;
}

/**
 * Wakes the other nodes after a release or a leave, and hears them (PostgreSQL LISTEN/NOTIFY on `uacreg_cluster`,
 * docs/cluster.md §3.5). Optional: the other engines have none and the nodes rely on their poll.
 */
export interface LeaseNotifier {
  /** Sends one notification (release and leave already send one). */
  notify(): Promise<void>;
  /** Calls `onNotify` for every notification, on a dedicated connection, until closed. */
  listen(onNotify: () => void, onError?: (error: DbError) => void): Promise<ClusterSubscription>;
}

/** Options of {@link SqlLeaseStore}. */
export interface LeaseStoreOptions {
  /** Where a failed notification is logged (it never fails the release it follows). */
  logger?: Logger;
}

/** The cluster side of an opened repository (docs/cluster.md §2): its tables and its lease store. */
export interface ClusterDatabase {
  /**
   * Creates `uacreg_node`, `uacreg_lease` and `uacreg_dialog` when absent (idempotent; an existing table is never
   * altered), then checks them.
   */
  createClusterSchema(): Promise<void>;
  /** Throws SchemaError naming a missing cluster table or column. */
  checkClusterSchema(): Promise<void>;
  /** A lease store sharing the repository's connection pool. */
  leaseStore(options?: LeaseStoreOptions): SqlLeaseStore;
}

/** Units per `ensureUnits` statement. */
const UNITS_PER_STATEMENT = 500;

/** A BIGINT as a number: pg and tedious hand BIGINT over as text, mysql2 and better-sqlite3 as numbers. */
function num(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(String(v));
  if (!Number.isFinite(n)) throw new DataError(`cluster tables: expected a number, read ${JSON.stringify(v)}`);
  return n;
}

function str(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

/** The SQL lease store. Get one from the opened repository (`repo.leaseStore()`). */
export class SqlLeaseStore implements LeaseStore {
  /** LISTEN/NOTIFY when the engine has it (PostgreSQL), else undefined. */
  readonly notifier: LeaseNotifier | undefined;
  private readonly sql: LeaseStatements;

  constructor(
    private readonly source: LeaseStoreSource,
    private readonly options: LeaseStoreOptions = {},
  ) {
    this.sql = leaseStatements(source.dialect);
    const { notifySql, listen } = source.dialect.cluster;
    this.notifier =
      notifySql !== undefined && listen !== undefined
        ? {
            notify: async () => {
              await this.run({ sql: notifySql, params: [] });
            },
            listen: (onNotify, onError) =>
              listen(source.url, onNotify, (e) => onError?.(source.translate(e))).catch((e: unknown) => {
                throw source.translate(e);
              }),
          }
        : undefined;
  }

  /** Runs one statement on a pooled connection: the rows and the affected-row count (the CAS answer). */
  private async run(stmt: BoundStatement): Promise<{ rows: Array<Record<string, unknown>>; affected: number }> {
    let ds: DataSource;
    try {
      ds = await this.source.dataSource();
    } catch (e) {
      throw this.source.translate(e);
    }
    const runner = ds.createQueryRunner();
    try {
      const result = await runner.query(stmt.sql, [...stmt.params], true);
      return { rows: (result.records ?? []) as Array<Record<string, unknown>>, affected: result.affected ?? 0 };
    } catch (e) {
      throw this.source.translate(e);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  private async wake(): Promise<void> {
    if (!this.notifier) return;
    await this.notifier.notify().catch((e: unknown) => {
      this.options.logger?.warn({ error: (e as Error).message }, "cluster notification not sent");
    });
  }

  private async dbNow(): Promise<number> {
    const { rows } = await this.run(this.sql.dbNow());
    return num(rows[0]?.now_ms);
  }

  async join(node: NodeIdentity, ttlMs: number, address: string): Promise<JoinResult> {
    // Two rounds cover the row expiring, or being deleted by a leave, between the statements.
    for (let round = 0; ; round++) {
      if ((await this.run(this.sql.joinReplace(node, ttlMs, address))).affected > 0) {
        return { kind: "joined", dbNow: await this.dbNow() };
      }
      try {
        await this.run(this.sql.joinInsert(node, ttlMs, address));
        return { kind: "joined", dbNow: await this.dbNow() };
      } catch (e) {
        if (!(e instanceof DuplicateKeyError)) throw e;
      }
      const { rows } = await this.run(this.sql.member(node.name));
      const row = rows[0];
      if (row !== undefined) {
        const expiresAt = num(row.expires_ms);
        const dbNow = num(row.now_ms);
        const incarnation = String(row.incarnation);
        if (expiresAt > dbNow && incarnation !== node.incarnation) {
          return { kind: "name-in-use", incarnation, expiresAt, dbNow };
        }
      }
      if (round >= 1) throw new DataError(`cluster: the session row of "${node.name}" keeps changing; join again`);
    }
  }

  async renew(node: NodeIdentity, ttlMs: number): Promise<boolean> {
    return (await this.run(this.sql.renew(node, ttlMs))).affected === 1;
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const { rows } = await this.run(this.sql.snapshot());
    const members: MemberRow[] = [];
    const leases: LeaseRow[] = [];
    let dbNow = Number.NaN;
    for (const r of rows) {
      dbNow = num(r.now_ms);
      const a = String(r.a);
      if (r.k === "n") {
        members.push({
          name: a,
          incarnation: String(r.b),
          address: str(r.c) ?? "",
          expiresAt: num(r.t),
          draining: num(r.e) !== 0,
        });
      } else if (r.k === "l") {
        const owner = str(r.b);
        const incarnation = str(r.c);
        const preferred = str(r.d);
        leases.push({
          unit: a,
          ...(owner !== undefined && incarnation !== undefined ? { owner: { name: owner, incarnation } } : {}),
          epoch: num(r.t),
          ...(preferred === undefined ? {} : { preferred }),
        });
      }
    }
    const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    members.sort((x, y) => byCodePoint(x.name, y.name));
    leases.sort((x, y) => byCodePoint(x.unit, y.unit));
    return { dbNow, members, leases };
  }

  async ensureUnits(units: readonly string[]): Promise<void> {
    const unique = [...new Set(units)];
    const per = Math.min(UNITS_PER_STATEMENT, this.source.dialect.maxParams);
    for (let i = 0; i < unique.length; i += per) await this.run(this.sql.ensureUnits(unique.slice(i, i + per)));
  }

  async claim(node: NodeIdentity, unit: string, expectedEpoch: number): Promise<number | undefined> {
    const { affected } = await this.run(this.sql.claim(node, unit, expectedEpoch));
    return affected === 1 ? expectedEpoch + 1 : undefined;
  }

  async release(node: NodeIdentity, unit: string, epoch: number): Promise<boolean> {
    const released = (await this.run(this.sql.release(node, unit, epoch))).affected === 1;
    if (released) await this.wake();
    return released;
  }

  async setPreferred(unit: string, preferred: string | undefined): Promise<void> {
    await this.run(this.sql.setPreferred(unit, preferred));
  }

  async setDraining(node: NodeIdentity, draining: boolean): Promise<boolean> {
    return (await this.run(this.sql.setDraining(node, draining))).affected === 1;
  }

  async leave(node: NodeIdentity): Promise<void> {
    await this.run(this.sql.release(node));
    await this.run(this.sql.deleteNode(node));
    await this.wake();
  }

  async loadDialogs(unit: string): Promise<DialogMark[]> {
    const { rows } = await this.run(this.sql.loadDialogs(unit));
    return rows.map((r) => ({
      key: { aor: String(r.aor), contact: String(r.binding_uri), registrar: String(r.registrar) },
      callId: String(r.call_id),
      fromTag: String(r.from_tag),
      cseqMark: num(r.cseq_mark),
    }));
  }

  async reserveUnit(node: NodeIdentity, unit: string, epoch: number, block: number): Promise<DialogMark[] | undefined> {
    const { affected } = await this.run(this.sql.reserveUnit(node, unit, epoch, block));
    // Nothing changed: a refused fence, or a unit with no marks yet (then the fence holds and the answer is []).
    if (affected === 0 && (await this.run(this.sql.holds(node, unit, epoch))).rows.length === 0) return undefined;
    return this.loadDialogs(unit);
  }

  async saveDialog(node: NodeIdentity, unit: string, epoch: number, mark: DialogMark): Promise<boolean> {
    const row = {
      recordKey: dialogRecordKey(mark.key),
      aor: mark.key.aor,
      contact: mark.key.contact,
      registrar: mark.key.registrar,
      callId: mark.callId,
      fromTag: mark.fromTag,
      cseqMark: mark.cseqMark,
    };
    return (await this.run(this.sql.saveDialog(node, unit, epoch, row))).affected > 0;
  }
}
