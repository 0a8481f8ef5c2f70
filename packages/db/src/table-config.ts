/**
 * The `table_name` and `*_column` module parameters (docs/opensips-behaviour.md §1): the names are data, applied at run
 * time.
 */
import { TableConfigError } from "./db-errors.js";

/** The 12 logical columns of the `registrant` table, in the order of docs/opensips-behaviour.md §11. */
export const REGISTRANT_COLUMNS = [
  "registrar",
  "proxy",
  "aor",
  "third_party_registrant",
  "username",
  "password",
  "binding_URI",
  "binding_params",
  "expiry",
  "forced_socket",
  "cluster_shtag",
  "state",
] as const;

export type RegistrantColumn = (typeof REGISTRANT_COLUMNS)[number];

/** Table and column names as configured (`table_name`, `registrar_column`, …). */
export interface TableConfig {
  tableName: string;
  columns: Record<RegistrantColumn, string>;
}

/** The OpenSIPS defaults: table `registrant`, every column named after its logical name. */
export const defaultTableConfig: TableConfig = Object.freeze({
  tableName: "registrant",
  columns: Object.freeze(Object.fromEntries(REGISTRANT_COLUMNS.map((c) => [c, c])) as Record<RegistrantColumn, string>),
});

/** The version of the table this package reads and writes (docs/opensips-behaviour.md §11). */
export const REGISTRANT_TABLE_VERSION = 3;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Fills in defaults and checks every name is a plain identifier (letters, digits, `_`; up to 63 characters, the
 * PostgreSQL limit). Quoting then makes any such name safe on every engine, reserved words included.
 */
export function resolveTableConfig(
  config?: Partial<Omit<TableConfig, "columns">> & { columns?: Partial<Record<RegistrantColumn, string>> },
): TableConfig {
  const tableName = config?.tableName ?? defaultTableConfig.tableName;
  const columns = { ...defaultTableConfig.columns, ...config?.columns };
  if (!IDENTIFIER.test(tableName))
    throw new TableConfigError(`table_name "${tableName}" is not a plain SQL identifier`);
  const seen = new Map<string, string>();
  for (const logical of REGISTRANT_COLUMNS) {
    const name = columns[logical];
    if (!IDENTIFIER.test(name)) {
      throw new TableConfigError(`${logical}_column "${name}" is not a plain SQL identifier`);
    }
    const lower = name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined || lower === "id") {
      throw new TableConfigError(`${logical}_column "${name}" clashes with ${other ?? "id"}_column`);
    }
    seen.set(lower, logical);
  }
  return { tableName, columns };
}
