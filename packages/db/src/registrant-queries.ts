/**
 * Every statement the repository runs on the `registrant` table, as TypeORM query builders over the run-time
 * EntitySchema (so each engine's driver does the quoting, the bind markers and the paging syntax: LIMIT, or
 * OFFSET/FETCH on MS SQL). Exported so adapters can check the generated SQL without a server
 * (`getQueryAndParameters()` on a DataSource that was never connected).
 */
import type { DataSource, EntitySchema, ObjectLiteral } from "typeorm";
import type { RegistrantKey, RegistrantRow } from "./registrant-row.js";
import type { SqlDialect, StoredTable } from "./sql-dialect.js";
import { REGISTRANT_COLUMNS } from "./table-config.js";

/** The column values of a row (no id), by logical name. */
export function rowValues(row: RegistrantRow): ObjectLiteral {
  const v: ObjectLiteral = {};
  for (const c of REGISTRANT_COLUMNS) v[c] = row[c];
  return v;
}

/** The three key columns, their logical names and the parameter names the key is bound under. */
const KEY_COLUMNS = [
  ["aor", "key_aor"],
  ["binding_URI", "key_contact"],
  ["registrar", "key_registrar"],
] as const;

/**
 * The WHERE clause addressing exactly the row of `key` (docs/opensips-behaviour.md §8): each key column compared
 * byte for byte through {@link SqlDialect.exactMatch}, never through the column's collation alone (on MySQL/MariaDB
 * and MS SQL that is case-insensitive: `sip:MY3@…` would hit `sip:my3@…`'s row). `alias` qualifies the columns of
 * a SELECT; UPDATE and DELETE name them bare.
 */
function keyWhere(
  ds: DataSource,
  schema: EntitySchema<RegistrantRow>,
  dialect: SqlDialect,
  key: RegistrantKey,
  alias?: string,
): { sql: string; params: ObjectLiteral } {
  const meta = ds.getMetadata(schema);
  const e = (name: string) => ds.driver.escape(name);
  const parts = KEY_COLUMNS.map(([logical, param]) => {
    const column = meta.findColumnWithPropertyName(logical)?.databaseName ?? logical;
    return dialect.exactMatch(alias ? `${e(alias)}.${e(column)}` : e(column), `:${param}`);
  });
  return {
    sql: parts.map((p) => `(${p})`).join(" AND "),
    params: { key_aor: key.aor, key_contact: key.contact, key_registrar: key.registrar },
  };
}

function selectAll(ds: DataSource, schema: EntitySchema<RegistrantRow>) {
  let qb = ds.getRepository(schema).createQueryBuilder("r").select("r.id", "id");
  for (const c of REGISTRANT_COLUMNS) qb = qb.addSelect(`r.${c}`, c);
  return qb;
}

export const registrantQueries = {
  /** One page of loadAll: rows with id > after (all when undefined), by id, at most `pageSize`. */
  page(ds: DataSource, schema: EntitySchema<RegistrantRow>, after: number | undefined, pageSize: number) {
    const qb = selectAll(ds, schema);
    return (after === undefined ? qb : qb.where("r.id > :after", { after })).orderBy("r.id", "ASC").limit(pageSize);
  },
  byKey(ds: DataSource, schema: EntitySchema<RegistrantRow>, dialect: SqlDialect, key: RegistrantKey) {
    const w = keyWhere(ds, schema, dialect, key, "r");
    return selectAll(ds, schema).where(w.sql, w.params).orderBy("r.id", "ASC").limit(1);
  },
  updateState(
    ds: DataSource,
    schema: EntitySchema<RegistrantRow>,
    dialect: SqlDialect,
    key: RegistrantKey,
    state: number,
  ) {
    const w = keyWhere(ds, schema, dialect, key);
    return ds.createQueryBuilder().update(schema).set({ state }).where(w.sql, w.params);
  },
  /** Updates every non-key column of the row with the row's key. */
  updateRow(ds: DataSource, schema: EntitySchema<RegistrantRow>, dialect: SqlDialect, row: RegistrantRow) {
    const { aor: _a, binding_URI: _b, registrar: _r, ...rest } = rowValues(row);
    const w = keyWhere(ds, schema, dialect, { aor: row.aor, contact: row.binding_URI, registrar: row.registrar });
    return ds.createQueryBuilder().update(schema).set(rest).where(w.sql, w.params);
  },
  insert(ds: DataSource, schema: EntitySchema<RegistrantRow>, row: RegistrantRow) {
    return ds.createQueryBuilder().insert().into(schema).values(rowValues(row)).updateEntity(false);
  },
  delete(ds: DataSource, schema: EntitySchema<RegistrantRow>, dialect: SqlDialect, key: RegistrantKey) {
    const w = keyWhere(ds, schema, dialect, key);
    return ds.createQueryBuilder().delete().from(schema).where(w.sql, w.params);
  },
  count(ds: DataSource, schema: EntitySchema<RegistrantRow>) {
    return ds.getRepository(schema).createQueryBuilder("r");
  },
  /** Raw multi-row INSERT of `rows` rows (bulk import), with the dialect's bind markers. */
  insertManySql(dialect: SqlDialect, stored: StoredTable, rows: number): string {
    const q = dialect.quote;
    const n = REGISTRANT_COLUMNS.length;
    let i = 0;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const marks: string[] = [];
      for (let c = 0; c < n; c++) marks.push(dialect.param(i++));
      tuples.push(`(${marks.join(", ")})`);
    }
    return (
      `INSERT INTO ${q(stored.tableName)} ` +
      `(${REGISTRANT_COLUMNS.map((c) => q(stored.columns[c])).join(", ")}) VALUES ${tuples.join(", ")}`
    );
  },
};
