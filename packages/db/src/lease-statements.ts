/**
 * Every statement of the SQL lease store (docs/cluster.md §3, §4), written once over a {@link SqlDialect}. Each change
 * of ownership is ONE conditional statement whose affected-row count is the answer; every time is the database's own
 * clock in that statement (§3.2). Built apart from their execution so the SQL of an engine can be checked offline.
 */
import type { NodeIdentity } from "@uacreg/cluster";
import { DIALOG_TABLE, LEASE_TABLE, NODE_TABLE } from "./cluster-tables.js";
import type { SqlDialect } from "./sql-dialect.js";

/** SQL with its bind values, in the dialect's markers. */
export interface BoundStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Collects bind values while a statement is written. */
class Binder {
  readonly params: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}

  /** A fresh bind marker for `value`. */
  p(value: unknown): string {
    this.params.push(value);
    return this.dialect.param(this.params.length - 1);
  }

  /**
   * `column` equals `value` byte for byte (`SqlDialect.exactMatch`). The dialect may repeat the marker; every
   * occurrence gets its own bind value, so `?` engines (which bind by position) and `$n`/`@n` engines agree.
   */
  eq(column: string, value: string): string {
    const mark = "\u0000";
    const [head = "", ...rest] = this.dialect.exactMatch(column, mark).split(mark);
    return head + rest.map((tail) => this.p(value) + tail).join("");
  }

  done(sql: string): BoundStatement {
    return { sql, params: this.params };
  }
}

/** The statements of {@link SqlLeaseStore}, for one dialect. */
export function leaseStatements(dialect: SqlDialect) {
  const q = dialect.quote;
  const c = dialect.cluster;
  const node = q(NODE_TABLE.name);
  const lease = q(LEASE_TABLE.name);
  const dialog = q(DIALOG_TABLE.name);
  const col = (table: string, name: string) => `${table}.${q(name)}`;
  const bind = () => new Binder(dialect);

  /** The lease of `unit` is `who`'s at `epoch`: the fence of every write done on behalf of a unit (§4). */
  const fence = (b: Binder, who: NodeIdentity, unit: string, epoch: number) =>
    `EXISTS (SELECT 1 FROM ${lease} f WHERE ${b.eq(col("f", "unit"), unit)} AND ${b.eq(col("f", "owner"), who.name)} ` +
    `AND ${b.eq(col("f", "owner_incarnation"), who.incarnation)} AND ${col("f", "epoch")} = ${b.p(epoch)})`;

  return {
    /** The database clock, ms. */
    dbNow(): BoundStatement {
      return bind().done(`SELECT ${c.epochMs(c.now)} AS now_ms ${c.fromNothing}`);
    },

    /** Takes over this node's name when its session expired, or refreshes our own row (a repeated join). */
    joinReplace(who: NodeIdentity, ttlMs: number, address: string): BoundStatement {
      const b = bind();
      return b.done(
        `UPDATE ${node} SET ${q("incarnation")} = ${b.p(who.incarnation)}, ${q("address")} = ${b.p(address)}, ` +
          `${q("expires_at")} = ${c.nowPlus(b.p(ttlMs))}, ${q("draining")} = 0 WHERE ${b.eq(q("name"), who.name)} ` +
          `AND (${q("expires_at")} <= ${c.now} OR ${b.eq(q("incarnation"), who.incarnation)})`,
      );
    },

    /** A first session under this name (a DuplicateKeyError when a row exists). */
    joinInsert(who: NodeIdentity, ttlMs: number, address: string): BoundStatement {
      const b = bind();
      return b.done(
        `INSERT INTO ${node} (${q("name")}, ${q("incarnation")}, ${q("address")}, ${q("expires_at")}, ${q("draining")}) ` +
          `VALUES (${b.p(who.name)}, ${b.p(who.incarnation)}, ${b.p(address)}, ${c.nowPlus(b.p(ttlMs))}, 0)`,
      );
    },

    /** The row of a name, with the database clock: what a refused join reports. */
    member(name: string): BoundStatement {
      const b = bind();
      return b.done(
        `SELECT ${q("incarnation")} AS incarnation, ${c.epochMs(q("expires_at"))} AS expires_ms, ` +
          `${c.epochMs(c.now)} AS now_ms FROM ${node} WHERE ${b.eq(q("name"), name)}`,
      );
    },

    /** Extends a live session matched by name AND incarnation (§3.4); an expired one is never renewed. */
    renew(who: NodeIdentity, ttlMs: number): BoundStatement {
      const b = bind();
      return b.done(
        `UPDATE ${node} SET ${q("expires_at")} = ${c.nowPlus(b.p(ttlMs))} WHERE ${b.eq(q("name"), who.name)} ` +
          `AND ${b.eq(q("incarnation"), who.incarnation)} AND ${q("expires_at")} > ${c.now}`,
      );
    },

    /** Sets or clears `draining` on a live session matched by name AND incarnation. */
    setDraining(who: NodeIdentity, draining: boolean): BoundStatement {
      const b = bind();
      return b.done(
        `UPDATE ${node} SET ${q("draining")} = ${draining ? 1 : 0} WHERE ${b.eq(q("name"), who.name)} ` +
          `AND ${b.eq(q("incarnation"), who.incarnation)} AND ${q("expires_at")} > ${c.now}`,
      );
    },

    /**
     * Members, leases and the clock in one statement, so one consistent read (§3.5). Rows: `k` = `n` (a = name,
     * b = incarnation, c = address, t = expiry ms, e = draining), `l` (a = unit, b = owner, c = owner incarnation,
     * d = preferred, t = epoch), `c` (the clock only); `now_ms` on every row.
     */
    snapshot(): BoundStatement {
      const now = c.epochMs(c.now);
      return bind().done(
        `SELECT 'n' AS k, ${q("name")} AS a, ${q("incarnation")} AS b, ${q("address")} AS c, NULL AS d, ` +
          `${c.epochMs(q("expires_at"))} AS t, ${q("draining")} AS e, ${now} AS now_ms FROM ${node} ` +
          `UNION ALL SELECT 'l', ${q("unit")}, ${q("owner")}, ${q("owner_incarnation")}, ${q("preferred")}, ` +
          `${q("epoch")}, NULL, ${now} FROM ${lease} ` +
          `UNION ALL SELECT 'c', NULL, NULL, NULL, NULL, NULL, NULL, ${now} ${c.fromNothing}`,
      );
    },

    /** Free lease rows (epoch 0) for the units that have none; existing rows untouched. */
    ensureUnits(units: readonly string[]): BoundStatement {
      const b = bind();
      const rows = units.map((u) => `SELECT ${b.p(u)} AS ${q("unit")} ${c.fromNothing}`).join(" UNION ALL ");
      const select = `SELECT v.${q("unit")}, 0 FROM (${rows}) v WHERE 1 = 1`;
      return b.done(c.upsertSelect(lease, [q("unit"), q("epoch")], q("unit"), [], select));
    },

    /**
     * Claim (§3.4): owner := who, epoch := e + 1 where epoch = e and the unit is free: no owner, or an owner whose
     * session (name AND incarnation) is not live in database time. The liveness test is a NOT EXISTS on the node table
     * inside the same UPDATE, so nothing is read-then-written.
     */
    claim(who: NodeIdentity, unit: string, expectedEpoch: number): BoundStatement {
      const b = bind();
      const live =
        `SELECT 1 FROM ${node} n WHERE ${dialect.exactMatch(col("n", "name"), col(lease, "owner"))} ` +
        `AND ${dialect.exactMatch(col("n", "incarnation"), col(lease, "owner_incarnation"))} ` +
        `AND ${col("n", "expires_at")} > ${c.now}`;
      return b.done(
        `UPDATE ${lease} SET ${q("owner")} = ${b.p(who.name)}, ${q("owner_incarnation")} = ${b.p(who.incarnation)}, ` +
          `${q("epoch")} = ${q("epoch")} + 1 WHERE ${b.eq(q("unit"), unit)} AND ${q("epoch")} = ${b.p(expectedEpoch)} ` +
          `AND (${q("owner")} IS NULL OR NOT EXISTS (${live}))`,
      );
    },

    /** Release (§3.4): owner := none, epoch := e + 1 where who owns the unit at e; all of who's units without one. */
    release(who: NodeIdentity, unit?: string, epoch?: number): BoundStatement {
      // Markers are taken in the order they appear in the SQL (`?` engines bind by position).
      const b = bind();
      const owner = `${b.eq(q("owner"), who.name)} AND ${b.eq(q("owner_incarnation"), who.incarnation)}`;
      const which = unit === undefined ? "" : ` AND ${b.eq(q("unit"), unit)}`;
      const at = epoch === undefined ? "" : ` AND ${q("epoch")} = ${b.p(epoch)}`;
      return b.done(
        `UPDATE ${lease} SET ${q("owner")} = NULL, ${q("owner_incarnation")} = NULL, ${q("epoch")} = ${q("epoch")} + 1 ` +
          `WHERE ${owner}${which}${at}`,
      );
    },

    /** Ends a session (§3.8): only this incarnation's row. */
    deleteNode(who: NodeIdentity): BoundStatement {
      const b = bind();
      return b.done(
        `DELETE FROM ${node} WHERE ${b.eq(q("name"), who.name)} AND ${b.eq(q("incarnation"), who.incarnation)}`,
      );
    },

    /** Sets or clears a unit's preferred node, creating its free lease row when absent (§5). */
    setPreferred(unit: string, preferred: string | undefined): BoundStatement {
      const b = bind();
      const select = `SELECT ${b.p(unit)}, 0, ${b.p(preferred ?? null)} ${c.fromNothing} WHERE 1 = 1`;
      return b.done(
        c.upsertSelect(lease, [q("unit"), q("epoch"), q("preferred")], q("unit"), [q("preferred")], select),
      );
    },

    /** The dialog marks of a unit (§4). */
    loadDialogs(unit: string): BoundStatement {
      const b = bind();
      return b.done(
        `SELECT ${q("aor")} AS aor, ${q("binding_uri")} AS binding_uri, ${q("registrar")} AS registrar, ` +
          `${q("call_id")} AS call_id, ${q("from_tag")} AS from_tag, ${q("cseq_mark")} AS cseq_mark ` +
          `FROM ${dialog} WHERE ${b.eq(q("unit"), unit)}`,
      );
    },

    /** Takeover block (§4): every mark of the unit += block, in one UPDATE fenced on the lease at `epoch`. */
    reserveUnit(who: NodeIdentity, unit: string, epoch: number, block: number): BoundStatement {
      const b = bind();
      return b.done(
        `UPDATE ${dialog} SET ${q("cseq_mark")} = ${q("cseq_mark")} + ${b.p(block)}, ${q("epoch")} = ${b.p(epoch)} ` +
          `WHERE ${b.eq(q("unit"), unit)} AND ${fence(b, who, unit, epoch)}`,
      );
    },

    /** One row when `who` owns `unit` at `epoch` (tells a refused fence from a unit without marks). */
    holds(who: NodeIdentity, unit: string, epoch: number): BoundStatement {
      const b = bind();
      return b.done(`SELECT 1 AS ok ${c.fromNothing} WHERE ${fence(b, who, unit, epoch)}`);
    },

    /** Fenced upsert of one record's mark (§4): nothing is written unless `who` owns `unit` at `epoch`. */
    saveDialog(
      who: NodeIdentity,
      unit: string,
      epoch: number,
      row: {
        recordKey: string;
        aor: string;
        contact: string;
        registrar: string;
        callId: string;
        fromTag: string;
        cseqMark: number;
      },
    ): BoundStatement {
      const b = bind();
      const values = [row.recordKey, unit, row.aor, row.contact, row.registrar, row.callId, row.fromTag].map((v) =>
        b.p(v),
      );
      const select =
        `SELECT ${[...values, c.integer(b.p(row.cseqMark)), c.integer(b.p(epoch))].join(", ")} ` +
        `${c.fromNothing} WHERE ${fence(b, who, unit, epoch)}`;
      const columns = DIALOG_TABLE.columns.map((x) => q(x.name));
      const update = ["unit", "call_id", "from_tag", "cseq_mark", "epoch"].map(q);
      return b.done(c.upsertSelect(dialog, columns, q("record_key"), update, select));
    },
  };
}

/** The statement set of one dialect. */
export type LeaseStatements = ReturnType<typeof leaseStatements>;
