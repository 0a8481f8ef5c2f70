/**
 * CSV import of registrant rows: a header row naming the columns (the configured `*_column` names or the logical
 * names of docs/opensips-behaviour.md §11; an `id` column is ignored), then one row per registrant. Each bad row is
 * reported with its line number and its key and skipped; the good ones are returned for the bulk upsert. What a row
 * may hold is decided by core's one row validator, as for the daemon's loader and MI `reg_upsert`; this file only
 * turns text into a row (field count, column widths, integer text).
 */
import {
  formatKey,
  parseRegistrantRow,
  RecordValidationError,
  type RegistrantKey,
  type ValidationContext,
} from "@uacreg/core";
import type { RegistrantRow } from "@uacreg/db";
import type { Options } from "csv-parse";
import { parse } from "csv-parse/sync";
import { COLUMN_NAMES, type ColumnName, type TableNaming } from "./cli-config.js";
import { defaultRowValidation } from "./row-validation.js";
import { UsageError } from "./usage-error.js";

/** A skipped row. `line` is 1-based, the line on which the record ends. */
export interface CsvRowProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedCsv {
  readonly rows: Array<{ readonly line: number; readonly row: RegistrantRow }>;
  readonly problems: CsvRowProblem[];
}

const REQUIRED: readonly ColumnName[] = ["registrar", "aor", "binding_URI"];
/** Column widths of the version-3 schema (docs/opensips-behaviour.md §11): a longer value would be refused or cut by the database. */
const WIDTH: Record<ColumnName, number> = {
  registrar: 255,
  proxy: 255,
  aor: 255,
  third_party_registrant: 255,
  username: 64,
  password: 64,
  binding_URI: 255,
  binding_params: 64,
  expiry: 0,
  forced_socket: 64,
  cluster_shtag: 64,
  state: 0,
};

/** Maps each header cell to a logical column (undefined = ignored `id`). Throws UsageError for a bad header. */
function headerMap(header: readonly string[], table: TableNaming): Array<ColumnName | undefined> {
  const byName = new Map<string, ColumnName>();
  for (const c of COLUMN_NAMES) byName.set(c.toLowerCase(), c);
  for (const c of COLUMN_NAMES) {
    const configured = table.columns?.[c];
    if (configured) byName.set(configured.toLowerCase(), c);
  }
  const seen = new Set<ColumnName>();
  const map = header.map((cell) => {
    const name = cell.trim();
    if (name.toLowerCase() === "id") return undefined;
    const column = byName.get(name.toLowerCase());
    if (!column) throw new UsageError(`line 1: unknown column "${name}" (known: ${COLUMN_NAMES.join(", ")})`);
    if (seen.has(column)) throw new UsageError(`line 1: column "${name}" appears twice`);
    seen.add(column);
    return column;
  });
  const missing = REQUIRED.filter((c) => !seen.has(c));
  if (missing.length > 0) throw new UsageError(`line 1: the header lacks the column(s) ${missing.join(", ")}`);
  return map;
}

/** The problem line of a row: its key (as given, "" for a missing column) and what is wrong. */
function keyed(key: RegistrantKey, problem: string): string {
  return `${formatKey(key)}: ${problem}`;
}

/** Builds a row from one record; returns an error message for a bad record. */
function toRow(record: readonly string[], map: ReadonlyArray<ColumnName | undefined>): RegistrantRow | string {
  if (record.length !== map.length) return `expected ${map.length} fields, got ${record.length}`;
  const v: Partial<Record<ColumnName, string>> = {};
  map.forEach((column, i) => {
    if (column) v[column] = record[i] ?? "";
  });
  const key: RegistrantKey = { aor: v.aor ?? "", contact: v.binding_URI ?? "", registrar: v.registrar ?? "" };
  for (const c of REQUIRED) if (!v[c]) return keyed(key, `${c} is empty`);
  for (const c of COLUMN_NAMES) {
    const value = v[c];
    if (value && WIDTH[c] > 0 && value.length > WIDTH[c]) {
      return keyed(key, `${c} is longer than ${WIDTH[c]} characters`);
    }
  }
  // Integer text to numbers; their bounds are core's (the columns' 32-bit range).
  let expiry: number | null = null;
  if (v.expiry) {
    if (!/^[0-9]+$/.test(v.expiry)) return keyed(key, `expiry "${v.expiry}" is not a non-negative integer`);
    expiry = Number(v.expiry);
  }
  let state = 0;
  if (v.state) {
    if (!/^-?[0-9]+$/.test(v.state)) return keyed(key, `state "${v.state}" is not an integer`);
    state = Number(v.state);
  }
  const opt = (c: ColumnName) => (v[c] ? (v[c] as string) : null);
  return {
    registrar: v.registrar as string,
    proxy: opt("proxy"),
    aor: v.aor as string,
    third_party_registrant: opt("third_party_registrant"),
    username: opt("username"),
    password: opt("password"),
    binding_URI: v.binding_URI as string,
    binding_params: opt("binding_params"),
    expiry,
    forced_socket: opt("forced_socket"),
    cluster_shtag: opt("cluster_shtag"),
    state,
  };
}

interface CsvRecordInfo {
  record: string[];
  info: { lines: number };
}

/** Core's verdict on a converted row: undefined when the daemon would load it, else the column and the reason. */
function refusal(row: RegistrantRow, validation: ValidationContext): string | undefined {
  try {
    parseRegistrantRow(row, validation);
    return undefined;
  } catch (err) {
    if (!(err instanceof RecordValidationError)) throw err;
    // The key, the column and the reason, as the daemon's loader says it; no reason ever carries the password.
    return keyed(err.key, `${err.field}: ${err.reason}`);
  }
}

/** The csv-parse options of an import (sync and streamed): BOM, trimmed fields, blank lines skipped, bad records reported. */
export function csvParseOptions(onSkip: (problem: CsvRowProblem) => void): Options {
  return {
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (err: { lines?: number; message: string } | undefined) => {
      if (err) onSkip({ line: err.lines ?? 0, message: err.message });
      return undefined;
    },
  };
}

/**
 * Turns CSV records into registrant rows: the first record is the header ({@link RegistrantCsvRows.header}), each
 * later one becomes a row or a {@link CsvRowProblem} naming its key ({@link RegistrantCsvRows.record}).
 */
export class RegistrantCsvRows {
  readonly #table: TableNaming;
  readonly #validation: ValidationContext;
  #map: Array<ColumnName | undefined> | undefined;

  constructor(table: TableNaming, validation: ValidationContext = defaultRowValidation()) {
    this.#table = table;
    this.#validation = validation;
  }

  /** Reads the header. @throws UsageError for an unknown or repeated column or a missing key column */
  header(cells: readonly string[]): void {
    this.#map = headerMap(cells, this.#table);
  }

  /** One data record (ending on `line`): the row, or the problem. */
  record(cells: readonly string[], line: number): { line: number; row: RegistrantRow } | CsvRowProblem {
    if (!this.#map) throw new UsageError("the CSV file is empty (a header row is required)");
    const row = toRow(cells, this.#map);
    const problem = typeof row === "string" ? row : refusal(row, this.#validation);
    if (problem !== undefined || typeof row === "string") return { line, message: problem ?? String(row) };
    return { line, row };
  }
}

/**
 * Parses the CSV text. Throws UsageError for an empty file or a bad header; records with CSV syntax errors and rows
 * that fail the checks above become {@link CsvRowProblem}s.
 */
export function parseRegistrantCsv(
  text: string,
  table: TableNaming,
  validation: ValidationContext = defaultRowValidation(),
): ParsedCsv {
  const problems: CsvRowProblem[] = [];
  let records: CsvRecordInfo[];
  try {
    records = parse(
      text,
      csvParseOptions((p) => problems.push(p)),
    ) as unknown as CsvRecordInfo[];
  } catch (err) {
    throw new UsageError(`CSV: ${(err as Error).message}`);
  }
  const [head, ...body] = records;
  if (!head) throw new UsageError("the CSV file is empty (a header row is required)");
  const reader = new RegistrantCsvRows(table, validation);
  reader.header(head.record);
  const rows: ParsedCsv["rows"] = [];
  for (const { record, info } of body) {
    const r = reader.record(record, info.lines);
    if ("row" in r) rows.push(r);
    else problems.push(r);
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}
