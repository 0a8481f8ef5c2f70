/**
 * `uacreg mi <command> [args…]`: one MI call over HTTP or the FIFO, printed like opensips-cli's pretty-print output
 * (`json.dumps(result, indent=4)`), errors like `ERROR: command 'X' returned: Error executing command: <code>:
 * <message> (<data>)`.
 */
import { type CliIo, ExitCode } from "./cli-io.js";
import { MiTransportError } from "./mi-client-error.js";
import { miParamsFromArgs, miRequestBody } from "./mi-arguments.js";
import { fifoMiRequest } from "./mi-fifo-client.js";
import { postMiRequest } from "./mi-http-client.js";

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

interface ReplyError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

/** Runs one MI call and prints its outcome; returns the exit code. */
export async function runMiCall(call: MiCall, io: CliIo): Promise<number> {
  const id = String(Math.floor(Math.random() * 32768));
  const body = miRequestBody(id, call.command, miParamsFromArgs(call.args, call.json));
  let text: string | null;
  try {
    text =
      call.endpoint.kind === "http"
        ? await postMiRequest(call.endpoint.url, body, call.timeoutMs)
        : await fifoMiRequest(body, {
            fifo: call.endpoint.path,
            replyDir: call.endpoint.replyDir,
            timeoutMs: call.timeoutMs,
          });
  } catch (err) {
    if (err instanceof MiTransportError) {
      io.stderr(`ERROR: ${err.message}\n`);
      return ExitCode.unreachable;
    }
    throw err;
  }
  if (text === null || text === "") {
    io.stderr(`ERROR: command '${call.command}': the server sent no reply\n`);
    return ExitCode.unreachable;
  }
  let reply: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    reply = parsed as Record<string, unknown>;
  } catch {
    io.stderr(`ERROR: could not decode the reply as JSON: ${JSON.stringify(text.slice(0, 200))}\n`);
    return ExitCode.unreachable;
  }
  if (reply.error !== undefined) {
    const e = (typeof reply.error === "object" && reply.error !== null ? reply.error : {}) as ReplyError;
    const data = e.data === undefined ? "" : ` (${typeof e.data === "string" ? e.data : JSON.stringify(e.data)})`;
    io.stderr(
      `ERROR: command '${call.command}' returned: Error executing command: ${String(e.code)}: ${String(e.message)}${data}\n`,
    );
    return ExitCode.failed;
  }
  if (!Object.hasOwn(reply, "result")) {
    io.stderr(`ERROR: command '${call.command}' returned: Error executing command: -32603: Internal error\n`);
    return ExitCode.failed;
  }
  io.stdout(`${JSON.stringify(reply.result, null, 4)}\n`);
  return ExitCode.ok;
}
