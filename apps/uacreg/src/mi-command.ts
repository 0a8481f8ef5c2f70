/**
 * `uacreg mi <command> [args…]`: one MI call over HTTP or the FIFO through @uacreg/mi's client, printed like
 * opensips-cli's pretty-print output (`json.dumps(result, indent=4)`), errors like `ERROR: command 'X' returned: Error
 * executing command: <code>: <message> (<data>)` (docs/mi-protocol.md §6).
 */
import {
  createMiClient,
  MiBadReplyError,
  MiClientError,
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiReplyError,
} from "@uacreg/mi";
import { type CliIo, ExitCode } from "./cli-io.js";
import { miParamsFromArgs } from "./mi-arguments.js";

/** How to reach the MI. */
export type MiEndpoint = { kind: "http"; url: string } | { kind: "fifo"; path: string; replyDir: string };

export interface MiCall {
  readonly endpoint: MiEndpoint;
  readonly command: string;
  readonly args: readonly string[];
  /** `-j`: JSON-decode argument values. */
  readonly json: boolean;
  readonly timeoutMs: number;
}

/** opensips-cli's request id: a random string in 0..32767. */
const opensipsCliId = (): string => String(Math.floor(Math.random() * 32768));

/** Runs one MI call and prints its outcome; returns the exit code. */
export async function runMiCall(call: MiCall, io: CliIo): Promise<number> {
  let result: unknown;
  try {
    const options = { timeoutMs: call.timeoutMs, requestId: opensipsCliId };
    const client =
      call.endpoint.kind === "http"
        ? createMiClient({ http: call.endpoint.url, ...options })
        : createMiClient({ fifo: call.endpoint.path, replyDir: call.endpoint.replyDir, ...options });
    result = await client.call(call.command, miParamsFromArgs(call.args, call.json));
  } catch (err) {
    if (err instanceof MiReplyError) {
      const data =
        err.data === undefined ? "" : ` (${typeof err.data === "string" ? err.data : JSON.stringify(err.data)})`;
      io.stderr(
        `ERROR: command '${call.command}' returned: Error executing command: ${String(err.code)}: ${err.message}${data}\n`,
      );
      return ExitCode.failed;
    }
    if (err instanceof MiEmptyReplyError) {
      io.stderr(`ERROR: command '${call.command}': the server sent no reply\n`);
      return ExitCode.unreachable;
    }
    if (err instanceof MiConnectionRefusedError) {
      io.stderr(`ERROR: ${err.message}. Is uacregd running?\n`);
      return ExitCode.unreachable;
    }
    if (err instanceof MiBadReplyError || err instanceof MiClientError) {
      io.stderr(`ERROR: ${err.message}\n`);
      return ExitCode.unreachable;
    }
    throw err;
  }
  io.stdout(`${JSON.stringify(result, null, 4)}\n`);
  return ExitCode.ok;
}
