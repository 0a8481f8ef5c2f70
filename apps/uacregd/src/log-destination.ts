/**
 * Where the daemon's log lines go: pino serializes an entry to one JSON line, this destination masks any secret left
 * in it and writes it out. Two decisions, both for the cost per line (issue 14: one `state change` line per first
 * registration cost ~30 µs of the daemon's CPU, a quarter of a registration, before this file):
 *
 * - **Masking by one scan of the line** instead of pino's `redact` paths: pino's wildcard paths (`*.password`,
 *   `*.*.password`) walk every logged object, ~4 µs per line; a line scan with a cheap pre-check costs ~0.1 µs and
 *   masks a secret at any depth, not only at the depths listed. The engine and the DB layer never put a secret in an
 *   entry in the first place (uacregd README, "Logging"); this is the second line of defence.
 * - **The lines of one event-loop turn written together** ({@link TurnBatchedLines}): a burst of replies produces
 *   hundreds of lines in one turn; one `write` for all of them instead of one system call each. A line is never held
 *   past the end of its turn (`setImmediate`), and the `exit` of the process writes what is pending synchronously,
 *   so nothing is lost on a stop or a crash that exits through node.
 */

/** pino's destination contract: one serialized entry (a JSON line ending in "\n") per call. */
export interface LineDestination {
  write(line: string): void;
}

/** A stream the lines end up on: process.stdout, a file stream, a test's sink. */
export interface LineTarget {
  write(chunk: string): unknown;
}

/** Keys whose string or number value never reaches a log line: `password`, `*_password`, `auth`, `authorization`. */
const SECRET_VALUE =
  /"([A-Za-z_]*(?:password|Password)|auth|authorization|Authorization|proxy-authorization)":(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;

/** What a masked value reads as (the censor pino's `redact` used before). */
export const MASK = "***";

/**
 * The line with every secret value replaced by {@link MASK}. A line naming no such key (the pre-check: no `ssword"`
 * and no `auth`) is returned as it is, without running the expression.
 */
export function maskSecrets(line: string): string {
  if (!line.includes('ssword"') && !line.includes("uth")) return line;
  return line.replace(SECRET_VALUE, `"$1":"${MASK}"`);
}

/**
 * Collects the lines written during one event-loop turn and hands them to the target in one `write` at the start of
 * the next turn (`setImmediate`), or at once when {@link flush} is called (the process's `exit`).
 */
export class TurnBatchedLines implements LineDestination {
  readonly #target: LineTarget;
  #pending: string[] = [];
  #scheduled = false;
  readonly #flushSoon = () => this.flush();

  constructor(target: LineTarget) {
    this.#target = target;
  }

  write(line: string): void {
    this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }

  /** Writes every pending line now (one `write`); nothing to do when none is pending. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#target.write(lines.length === 1 ? (lines[0] as string) : lines.join(""));
  }

  /** Lines written and not yet handed to the target. */
  get pendingLines(): number {
    return this.#pending.length;
  }
}

/** Masks each line ({@link maskSecrets}) before passing it on. */
export function maskingDestination(next: LineTarget): LineDestination {
  return {
    write(line: string): void {
      next.write(maskSecrets(line));
    },
  };
}
