/**
 * `uacreg db export [file]`: the registrant table as CSV, in the columns `db import` reads (the logical names of
 * docs/opensips-behaviour.md §11, header first), so that exporting and importing into an empty table gives the same
 * rows. Streamed: rows come page by page from the repository's keyset-paged `loadAll` and are written as they come
 * (with the writer's back-pressure), never gathered. Passwords are written only with `--with-passwords`; otherwise
 * the column is empty and stderr says so (importing such a file would clear the passwords). A file written with
 * passwords is created mode 0600.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { REGISTRANT_COLUMNS, type RegistrantRow } from "@uacreg/db";
import { type CliIo, ExitCode } from "./cli-io.js";
import { type DbTarget, withRepository } from "./db-commands.js";

/** One CSV field: quoted when it holds a comma, a quote, a line break or blanks at either end (import trims). */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV line of a row (no id), password left empty unless `withPasswords`. */
export function csvLine(row: RegistrantRow, withPasswords: boolean): string {
  return `${REGISTRANT_COLUMNS.map((c) => csvField(c === "password" && !withPasswords ? null : row[c])).join(",")}\n`;
}

/** Lines are written in chunks of this many rows. */
const CHUNK_ROWS = 500;

export interface ExportOptions {
  /** The output file; undefined or "-" for stdout. */
  readonly file?: string;
  readonly withPasswords: boolean;
}

/** Runs the export; resolves with the exit code. */
export function dbExport(target: DbTarget, options: ExportOptions, io: CliIo): Promise<number> {
  return withRepository(target, io, async (repo) => {
    await repo.checkSchema();
    const toFile = options.file !== undefined && options.file !== "-";
    let out: WriteStream | undefined;
    if (toFile) {
      out = createWriteStream(options.file as string, { mode: options.withPasswords ? 0o600 : 0o644 });
      await once(out, "open");
    }
    const write = async (text: string) => {
      if (out) {
        if (!out.write(text)) await once(out, "drain");
      } else {
        io.stdout(text);
        await io.drain?.();
      }
    };
    let rows = 0;
    let withPassword = 0;
    try {
      await write(`${REGISTRANT_COLUMNS.join(",")}\n`);
      let chunk = "";
      let inChunk = 0;
      for await (const row of repo.loadAll()) {
        chunk += csvLine(row, options.withPasswords);
        rows++;
        if (row.password !== null) withPassword++;
        if (++inChunk >= CHUNK_ROWS) {
          await write(chunk);
          chunk = "";
          inChunk = 0;
        }
      }
      if (chunk !== "") await write(chunk);
    } finally {
      if (out) {
        out.end();
        await once(out, "close");
      }
    }
    if (!options.withPasswords && withPassword > 0) {
      io.stderr(
        `note: the password column is empty (${withPassword} row(s) have one): add --with-passwords to write them; ` +
          `importing this file as it is would clear them\n`,
      );
    }
    if (toFile) io.stderr(`exported ${rows} row(s) to ${options.file}\n`);
    return ExitCode.ok;
  });
}
