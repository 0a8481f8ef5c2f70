/**
 * What the tool reads from the daemon's YAML config file (`--config`): `db_url` (default
 * `sqlite:///<data_dir>/registrant.db`, data_dir default `/var/lib/uacreg`, as uacregd), `registrant.table_name` and
 * `registrant.<column>_column`, and the MI endpoints `mi.http.listen` / `mi.http.root` and `mi.fifo.path` /
 * `mi.fifo.reply_dir` (both on by default, off when set to null, as in uacregd). Other keys are the daemon's
 * business and are ignored here.
 */
import { readFile } from "node:fs/promises";
import { REGISTRANT_COLUMNS, type RegistrantColumn } from "@uacreg/db";
import { parse } from "yaml";
import { UsageError } from "./usage-error.js";

/** The logical columns of the registrant table (reference §11), as @uacreg/db names them. */
export const COLUMN_NAMES = REGISTRANT_COLUMNS;
export type ColumnName = RegistrantColumn;

/** The table naming in the shape @uacreg/db's `openRepository` takes. */
export interface TableNaming {
  tableName?: string;
  columns?: Partial<Record<ColumnName, string>>;
}

export interface CliConfig {
  dbUrl?: string;
  table: TableNaming;
  miUrl?: string;
  miFifo?: { path: string; replyDir: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function str(obj: Obj, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" && typeof v !== "number") throw new UsageError(`${where}${key}: must be a string`);
  return String(v);
}

/** Turns `host:port` / `[v6]:port` (as in `mi.http.listen`) into a URL host part; 0.0.0.0 / :: become loopback. */
function urlHost(listen: string): string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]+):(\d+)$/.exec(listen);
  if (!m) return listen;
  const host = m[1] === "0.0.0.0" ? "127.0.0.1" : m[1] === "::" ? "::1" : (m[1] as string);
  return `${host.includes(":") ? `[${host}]` : host}:${m[2]}`;
}

/** Reads the YAML config. Throws UsageError naming the file on a read or parse problem. */
export async function loadCliConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  const root: Obj = isObj(doc) ? doc : {};
  const dataDir = str(root, "data_dir", "") ?? "/var/lib/uacreg";
  const dbUrl = str(root, "db_url", "") ?? `sqlite://${dataDir.startsWith("/") ? "" : "/"}${dataDir}/registrant.db`;
  const reg = isObj(root.registrant) ? root.registrant : {};
  const table: TableNaming = {};
  const tableName = str(reg, "table_name", "registrant.");
  if (tableName !== undefined) table.tableName = tableName;
  const columns: Partial<Record<ColumnName, string>> = {};
  for (const c of COLUMN_NAMES) {
    const v = str(reg, `${c}_column`, "registrant.");
    if (v !== undefined) columns[c] = v;
  }
  if (Object.keys(columns).length > 0) table.columns = columns;
  const config: CliConfig = { dbUrl, table };
  const mi = isObj(root.mi) ? root.mi : {};
  // As in uacregd: a section that is absent is on with its defaults; `http: null` / `fifo: null` turns it off.
  if (mi.http !== null && mi.http !== false) {
    const h = isObj(mi.http) ? mi.http : {};
    const root_ = (str(h, "root", "mi.http.") ?? "mi").replace(/^\/+|\/+$/g, "");
    config.miUrl = `http://${urlHost(str(h, "listen", "mi.http.") ?? "127.0.0.1:8888")}/${root_}`;
  }
  if (mi.fifo !== null && mi.fifo !== false) {
    const f = isObj(mi.fifo) ? mi.fifo : {};
    config.miFifo = {
      path: str(f, "path", "mi.fifo.") ?? "/tmp/uacreg_fifo",
      replyDir: str(f, "reply_dir", "mi.fifo.") ?? "/tmp/",
    };
  }
  return config;
}
