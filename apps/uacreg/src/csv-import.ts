/**
 * `uacreg db import <file.csv>`: the file is streamed through csv-parse (never read whole), checked row by row as the
 * daemon's loader would (registrant-csv.ts), and upserted in batches of {@link IMPORT_BATCH} rows, one transaction
 * per batch (@uacreg/db's `importBatch`: new keys inserted, changed rows updated, equal rows left alone). A batch the
 * database refuses is redone row by row, so the refused line is named and the others go in. Ends with
 * `inserted N, updated N, unchanged N, skipped N`; each skipped line is named on stderr (line number and key, never
 * the password). A progress bar is drawn on stderr when it is a terminal.
 */
import { createReadStream, promises as fsp } from "node:fs";
import { formatKey } from "@uacreg/core";
import { DataError, type ImportOutcome, type RegistrantRow, supportsBulkImport } from "@uacreg/db";
import { parse } from "csv-parse";
import { type CliIo, ExitCode } from "./cli-io.js";
import { type DbTarget, withRepository } from "./db-commands.js";
import { importProgress } from "./progress-bar.js";
import { type CsvRowProblem, csvParseOptions, RegistrantCsvRows } from "./registrant-csv.js";
import { UsageError } from "./usage-error.js";

/** Rows per batch: one transaction, one read of the stored rows, one multi-row INSERT, one bulk update. */
export const IMPORT_BATCH = 1000;

/** The summary of an import. */
export interface ImportCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

interface Pending {
  readonly line: number;
  readonly row: RegistrantRow;
}

interface BatchWriter {
  importBatch(rows: readonly RegistrantRow[]): Promise<ImportOutcome[]>;
}

/** One batch; on a refused value, row by row, naming each refused line. */
async function writeBatch(
  repo: BatchWriter,
  batch: readonly Pending[],
  counts: ImportCounts,
  problems: CsvRowProblem[],
): Promise<void> {
  const tally = (o: ImportOutcome) => {
    counts[o]++;
  };
  try {
    for (const o of await repo.importBatch(batch.map((p) => p.row))) tally(o);
    return;
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
  }
  for (const { line, row } of batch) {
    try {
      for (const o of await repo.importBatch([row])) tally(o);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      const key = { aor: row.aor, contact: row.binding_URI, registrar: row.registrar };
      problems.push({ line, message: `${formatKey(key)}: the database refused the row: ${err.message}` });
    }
  }
}

/** Runs the import; `now` (ms) paces the progress bar. */
export async function dbImport(
  target: DbTarget,
  file: string,
  io: CliIo,
  now: () => number = Date.now,
): Promise<number> {
  let size: number;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new Error("not a regular file");
    size = st.size;
    await (await fsp.open(file, "r")).close();
  } catch (err) {
    io.stderr(`ERROR: cannot read ${file}: ${(err as Error).message}\n`);
    return ExitCode.usage;
  }
  const problems: CsvRowProblem[] = [];
  const source = createReadStream(file);
  const parser = parse(csvParseOptions((p) => problems.push(p)));
  source.on("error", (err) => parser.destroy(err));
  const records = source.pipe(parser)[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number };
  }>;
  const next = async () => {
    try {
      return await records.next();
    } catch (err) {
      throw new UsageError(`${file}: CSV: ${(err as Error).message}`);
    }
  };
  try {
    const reader = new RegistrantCsvRows(target.table, target.rowValidation);
    const head = await next();
    if (head.done) throw new UsageError("the CSV file is empty (a header row is required)");
    reader.header(head.value.record);
    return await withRepository(target, io, async (repo) => {
      await repo.checkSchema();
      if (!supportsBulkImport(repo)) throw new Error("this database adapter cannot import in batches");
      const counts: ImportCounts = { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
      const progress = importProgress(io, size, now);
      const report = () => {
        problems.sort((a, b) => a.line - b.line);
        for (const p of problems) progress.note(`${file}:${p.line}: skipped: ${p.message}\n`);
        counts.skipped += problems.length;
        problems.length = 0;
      };
      let batch: Pending[] = [];
      let rows = 0;
      try {
        for (let r = await next(); !r.done; r = await next()) {
          const item = reader.record(r.value.record, r.value.info.lines);
          rows++;
          if ("row" in item) batch.push(item);
          else problems.push(item);
          if (batch.length >= IMPORT_BATCH) {
            await writeBatch(repo, batch, counts, problems);
            batch = [];
            report();
            progress.update(source.bytesRead, rows);
          }
        }
        await writeBatch(repo, batch, counts, problems);
        report();
      } finally {
        progress.done();
      }
      io.stdout(
        `inserted ${counts.inserted}, updated ${counts.updated}, unchanged ${counts.unchanged}, skipped ${counts.skipped}\n`,
      );
      return counts.skipped === 0 ? ExitCode.ok : ExitCode.failed;
    });
  } finally {
    source.destroy();
    parser.destroy();
  }
}
