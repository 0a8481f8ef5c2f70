/**
 * The daemon's logger: pino, JSON lines on stdout by default, or one readable line per entry with `format: pretty`.
 * Password fields are redacted wherever they appear in a logged object, as a second line of defence: the engine and
 * the DB layer never put them in a log entry in the first place.
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export type { Logger };

const REDACT = ["password", "*.password", "*.*.password", "row.password", "auth", "*.authorization"];

export function createLogger(opts: { level: string; format: "json" | "pretty" }, dest?: NodeJS.WritableStream): Logger {
  const out = dest ?? process.stdout;
  const options = { level: opts.level, redact: { paths: REDACT, censor: "***" }, base: { pid: process.pid } };
  if (opts.format === "json") return pino(options, out);
  return pino(options, prettyStream(out));
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
