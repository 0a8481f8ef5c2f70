/**
 * `uacreg mi <command> [args…]`: one MI call over HTTP or the FIFO through @uacreg/mi's client, printed like
 * opensips-cli's pretty-print output (`json.dumps(result, indent=4)`), or as a table with `-o table`; errors like
 * `ERROR: command 'X' returned: Error executing command: <code>: <message> (<data>)` (docs/mi-protocol.md §6).
 */
import {
  createMiClient,
  type MiCallParams,
  MiClientError,
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiReplyError,
  MiReplyFifoTimeoutError,
  MiTimeoutError,
} from "@uacreg/mi";
import { type CliIo, ExitCode } from "./cli-io.js";
import { miParamsFromArgs } from "./mi-arguments.js";
import { miResultTable } from "./mi-table.js";

/** How to reach the MI. */
export type MiEndpoint = { kind: "http"; url: string } | { kind: "fifo"; path: string; replyDir: string };

/** How a result is printed: opensips-cli's JSON (the default, for scripts) or an aligned table. */
export type OutputFormat = "json" | "table";

export interface MiCall {
  readonly endpoint: MiEndpoint;
  readonly command: string;
  readonly args: readonly string[];
  /** `-j`: JSON-decode argument values. */
  readonly json: boolean;
  readonly timeoutMs: number;
  /** Default `json`. */
  readonly output?: OutputFormat;
}

/** opensips-cli's request id: a random string in 0..32767. */
const opensipsCliId = (): string => String(Math.floor(Math.random() * 32768));

function where(endpoint: MiEndpoint): string {
  return endpoint.kind === "http" ? endpoint.url : `the FIFO ${endpoint.path}`;
}

/** Calls `command` once; throws the client's typed errors. */
export function callMi(
  endpoint: MiEndpoint,
  command: string,
  params: MiCallParams | undefined,
  timeoutMs: number,
): Promise<unknown> {
  const options = { timeoutMs, requestId: opensipsCliId };
  const client =
    endpoint.kind === "http"
      ? createMiClient({ http: endpoint.url, ...options })
      : createMiClient({ fifo: endpoint.path, replyDir: endpoint.replyDir, ...options });
  return client.call(command, params);
}

/**
 * What to tell the operator when the MI cannot be used (not an error reply): what failed, where, and what to do.
 * Undefined for an error that is not the MI client's.
 */
export function miFailureHint(err: unknown, endpoint: MiEndpoint, command: string): string | undefined {
  if (err instanceof MiReplyFifoTimeoutError && endpoint.kind === "fifo") {
    return (
      `no reply from ${where(endpoint)} within ${err.timeoutMs / 1000} s: the reply FIFO was made in ` +
      `${endpoint.replyDir}, which must be the daemon's mi.fifo.reply_dir (give --reply-dir, or --config with the ` +
      `daemon's file)`
    );
  }
  if (err instanceof MiTimeoutError) {
    return `no reply from ${where(endpoint)} within ${err.timeoutMs / 1000} s (--timeout to wait longer)`;
  }
  if (err instanceof MiEmptyReplyError) return `command '${command}': the server sent no reply`;
  if (err instanceof MiConnectionRefusedError) {
    const setting = endpoint.kind === "http" ? "mi.http" : "mi.fifo.path";
    const flag = endpoint.kind === "http" ? "--url" : "--fifo";
    return `${err.message}: uacregd may not be running, or it listens elsewhere (its ${setting}; give ${flag} or --config)`;
  }
  if (err instanceof MiClientError && !(err instanceof MiReplyError)) return err.message;
  return undefined;
}

/** opensips-cli's line for an error reply. */
export function miReplyErrorLine(err: MiReplyError, command: string): string {
  const data = err.data === undefined ? "" : ` (${typeof err.data === "string" ? err.data : JSON.stringify(err.data)})`;
  return `ERROR: command '${command}' returned: Error executing command: ${String(err.code)}: ${err.message}${data}\n`;
}

/** Runs one MI call and prints its outcome; returns the exit code. */
/**
 * `mi`'s own output option written after the command name (`uacreg mi reg_list -o table`): the arguments after the
 * command are MI params (they may start with `-`), so it reached the server as two params. Returns the option as
 * typed when the last arguments are exactly that, for a hint; never reinterpreted.
 */
export function misplacedOption(args: readonly string[]): string | undefined {
  const [flag, value] = args.slice(-2);
  if ((flag === "-o" || flag === "--output") && (value === "table" || value === "json")) return `${flag} ${value}`;
  const last = args.at(-1);
  if (last === "--output=table" || last === "--output=json") return last;
  return undefined;
}

export async function runMiCall(call: MiCall, io: CliIo): Promise<number> {
  let result: unknown;
  try {
    result = await callMi(call.endpoint, call.command, miParamsFromArgs(call.args, call.json), call.timeoutMs);
  } catch (err) {
    if (err instanceof MiReplyError) {
      io.stderr(miReplyErrorLine(err, call.command));
      const misplaced = misplacedOption(call.args);
      if (misplaced !== undefined) {
        io.stderr(
          `hint: '${misplaced}' after the command name was sent as MI params; mi's own options go before it: ` +
            `uacreg mi ${misplaced} ${call.command} …\n`,
        );
      }
      return ExitCode.failed;
    }
    const hint = miFailureHint(err, call.endpoint, call.command);
    if (hint === undefined) throw err;
    io.stderr(`ERROR: ${hint}\n`);
    return ExitCode.unreachable;
  }
  io.stdout(call.output === "table" ? miResultTable(result) : `${JSON.stringify(result, null, 4)}\n`);
  return ExitCode.ok;
}
