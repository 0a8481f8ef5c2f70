/**
 * The progress bar of `uacreg db import`: on stderr, and only when stderr is a terminal (a pipe or a log file gets
 * nothing but the summary). Redrawn in place at most every 100 ms; cleared before any other line is written.
 */
import type { CliIo } from "./cli-io.js";

/** What the import reports as it goes. */
export interface ImportProgress {
  /** Bytes of the file read so far, of `totalBytes`. */
  update(bytesRead: number, rows: number): void;
  /** Writes `text` (whole lines) to stderr without tearing the bar. */
  note(text: string): void;
  /** Removes the bar. */
  done(): void;
}

/** The bar text for a fraction, a row count and a rate, fitted to `columns`. */
export function progressLine(fraction: number, rows: number, rowsPerSecond: number, columns: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  const tail = ` ${pct}  ${rows.toLocaleString("en-US")} rows  ${Math.round(rowsPerSecond).toLocaleString("en-US")} rows/s`;
  const width = Math.max(10, Math.min(40, columns - tail.length - 3));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]${tail}`;
}

/** A bar on a terminal, nothing otherwise. `now` is the wall clock in ms. */
export function importProgress(io: CliIo, totalBytes: number, now: () => number): ImportProgress {
  if (!io.stderrIsTTY) {
    return { update: () => undefined, note: (text) => io.stderr(text), done: () => undefined };
  }
  const start = now();
  let last = 0;
  let shown = "";
  let state = { bytes: 0, rows: 0 };
  const draw = () => {
    const elapsed = Math.max(1, now() - start) / 1000;
    shown = progressLine(
      totalBytes > 0 ? state.bytes / totalBytes : 1,
      state.rows,
      state.rows / elapsed,
      io.columns || 80,
    );
    io.stderr(`\r${shown}\u001b[K`);
  };
  const clear = () => {
    if (shown !== "") io.stderr("\r\u001b[K");
  };
  return {
    update(bytes, rows) {
      state = { bytes, rows };
      const t = now();
      if (t - last >= 100) {
        last = t;
        draw();
      }
    },
    note(text) {
      clear();
      io.stderr(text);
      if (shown !== "") draw();
    },
    done() {
      clear();
      shown = "";
    },
  };
}
