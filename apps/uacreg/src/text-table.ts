/**
 * Aligned text tables for humans (`uacreg status`, `uacreg mi … -o table`), and the colours they may carry: only on
 * a terminal, never with NO_COLOR set (https://no-color.org), and never as the only signal (the text says it too).
 */

/** ANSI styles, or none. */
export interface Paint {
  readonly good: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly warn: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const plain = (s: string) => s;
const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

/** Colours when `tty` and NO_COLOR is unset or empty; plain text otherwise. */
export function paintFor(tty: boolean | undefined, env: Readonly<Record<string, string | undefined>>): Paint {
  if (!tty || (env.NO_COLOR !== undefined && env.NO_COLOR !== "")) {
    return { good: plain, bad: plain, warn: plain, dim: plain, bold: plain };
  }
  return { good: sgr(32, 39), bad: sgr(31, 39), warn: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

/** One cell: its text (which sets the width) and an optional style applied after padding. */
export interface Cell {
  readonly text: string;
  readonly style?: (s: string) => string;
}

/** `rows` under `header`, each column as wide as its widest cell, two spaces between columns, no trailing blanks. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | Cell>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === "string" ? { text: c } : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.text.length ?? 0)));
  const line = (parts: readonly Cell[]) =>
    parts
      .map((c, i) => {
        const padded = i === parts.length - 1 ? c.text : c.text.padEnd(widths[i] ?? 0);
        return c.style ? c.style(padded) : padded;
      })
      .join("  ")
      .trimEnd();
  return `${[line(header.map((text) => ({ text }))), ...cells.map(line)].join("\n")}\n`;
}

/** A JSON value as one cell: strings as they are, null as "", anything else as compact JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}
