/**
 * Where the daemon's log lines go: pino serializes an entry to one JSON line, this destination masks any secret left
 * in it and writes it out. Two decisions, both for the cost per line (issue 14: one `state change` line per first
 * registration cost ~30 µs of the daemon's CPU, a quarter of a registration, before this file):
 *
 * - **Masking by one scan of the line** instead of pino's `redact` paths: pino's wildcard paths (`*.password`,
 *   `*.*.password`) walk every logged object, ~4 µs per line; a line scan with a cheap pre-check costs ~0.1 µs and
 *   masks a secret at any depth, not only at the depths listed. The engine and the DB layer never put a secret in an
 *   entry in the first place (apps/uacregd/README.md, "Logs"); this is the second line of defence.
 * - **Bursts written in batches** ({@link BatchedLines}): past 20 lines in 100 ms, the lines are held and written
 *   every 100 ms (or per 64 KiB), one `write` for all of them instead of one system call each (~20 µs for a line to a
 *   file); fewer lines are written at once, as they come. The `exit` of the process writes what is pending
 *   synchronously, so nothing is lost on a stop or a crash that exits through node; a SIGKILL during a burst loses
 *   at most its last 100 ms of lines.
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
  /"([A-Za-z_]*(?:password|Password)|auth|authorization|Authorization|[Pp]roxy-[Aa]uthorization)":(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;

/** What a masked value reads as (the censor pino's `redact` used before). */
export const MASK = "***";

/**
 * The line with every secret value replaced by {@link MASK}. A line that cannot name such a key (the pre-check: no
 * `ssword"` and no `uth`, as in auth and Authorization) is returned as it is, without running the expression.
 */
export function maskSecrets(line: string): string {
  if (!line.includes('ssword"') && !line.includes("uth")) return line;
  return line.replace(SECRET_VALUE, `"$1":"${MASK}"`);
}

/** Arms a one-shot timer; what the batcher needs of `setTimeout` (a test passes a virtual one). */
export type ArmTimer = (fire: () => void, delayMs: number) => void;

const realTimer: ArmTimer = (fire, delayMs) => {
  setTimeout(fire, delayMs).unref();
};

/** When lines count as a burst, how long a line of a burst may wait, how many characters make a write at once. */
export interface BatchLimits {
  /** Lines within one window that make it a burst. */
  readonly burstLines: number;
  /** The window, and the longest a line of a burst waits. */
  readonly windowMs: number;
  readonly maxChars: number;
}

/**
 * 20 lines in 100 ms: a person or a test reading the log sees every line of a quiet daemon at once; a start-up burst
 * (a line per first registration, thousands per second) is written every 100 ms, up to 64 KiB at a time.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { burstLines: 20, windowMs: 100, maxChars: 64 * 1024 };

/**
 * Writes each line at once while lines are few, and in batches during a burst. Lines are counted per window of
 * {@link BatchLimits.windowMs}; once a window has seen {@link BatchLimits.burstLines}, the lines after it are held and
 * handed to the target in one `write` when the window ends (or as soon as {@link BatchLimits.maxChars} are pending),
 * and so on for every following window that is still a burst; the first window below the threshold ends the burst.
 * {@link flush} (the process's `exit`) writes what is pending at once. Batching per event-loop turn was not enough:
 * replies arrive spread over many turns, a line or two each.
 */
export class BatchedLines implements LineDestination {
  readonly #target: LineTarget;
  readonly #limits: BatchLimits;
  readonly #arm: ArmTimer;
  #pending: string[] = [];
  #chars = 0;
  /** Lines of the current window, written or pending. */
  #inWindow = 0;
  /** A window is open: its timer is armed. */
  #windowOpen = false;
  #burst = false;
  readonly #windowEnd = () => this.#endWindow();

  constructor(target: LineTarget, limits: BatchLimits = DEFAULT_BATCH_LIMITS, arm: ArmTimer = realTimer) {
    this.#target = target;
    this.#limits = limits;
    this.#arm = arm;
  }

  write(line: string): void {
    if (!this.#windowOpen) this.#openWindow();
    this.#inWindow++;
    if (!this.#burst) {
      this.#target.write(line);
      if (this.#inWindow >= this.#limits.burstLines) this.#burst = true;
      return;
    }
    this.#pending.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#limits.maxChars) this.flush();
  }

  /** Writes every pending line now (one `write`); nothing to do when none is pending. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#chars = 0;
    this.#target.write(lines.length === 1 ? (lines[0] as string) : lines.join(""));
  }

  #openWindow(): void {
    this.#windowOpen = true;
    this.#inWindow = 0;
    this.#arm(this.#windowEnd, this.#limits.windowMs);
  }

  /** Writes the window's held lines; a window that was still a burst opens the next one, else the burst ends. */
  #endWindow(): void {
    this.flush();
    this.#windowOpen = false;
    if (this.#burst && this.#inWindow >= this.#limits.burstLines) this.#openWindow();
    else this.#burst = false;
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
