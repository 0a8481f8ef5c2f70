/**
 * The daemon's logger: pino, JSON lines on stdout by default, or one readable line per entry with `format: pretty`.
 * Secret values (`password`, `*_password`, `auth`, `authorization`) are masked in every line wherever they appear, as
 * a second line of defence: the engine and the DB layer never put them in a log entry in the first place. On stdout
 * lines of a burst are written in batches, at most 100 ms late (log-destination.ts).
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { maskingDestination, BatchedLines } from "./log-destination.js";

export type { Logger };

/** The one batcher of process.stdout, whatever the number of loggers made in this process; flushed on `exit`. */
let stdoutLines: BatchedLines | undefined;

function stdoutBatcher(): BatchedLines {
  if (stdoutLines) return stdoutLines;
  const batcher = new BatchedLines(process.stdout);
  process.once("exit", () => batcher.flush());
  stdoutLines = batcher;
  return batcher;
}

/**
 * The daemon's logger. JSON without `dest` goes to process.stdout line by line, in batches during a burst; with `dest` (a
 * test's sink, a file stream) and in the pretty format every line is written as it is logged.
 */
export function createLogger(opts: { level: string; format: "json" | "pretty" }, dest?: NodeJS.WritableStream): Logger {
  const options = { level: opts.level, base: { pid: process.pid } };
  if (opts.format === "json") return pino(options, maskingDestination(dest ?? stdoutBatcher()));
  // A person reads this format at a terminal: each line as it is logged (parsing it back costs more than the write).
  return pino(options, maskingDestination(prettyStream(dest ?? process.stdout)));
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          const { time, level, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join(" ");
          out.write(
            `${new Date(Number(time)).toISOString()} ${LEVEL_NAMES[Number(level)] ?? level} ${msg ?? ""}${fields ? ` ${fields}` : ""}\n`,
          );
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
