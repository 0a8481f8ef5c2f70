/**
 * The client's side of one JSON-RPC exchange (docs/mi-protocol.md §1, §3, §6): the request built and the reply read
 * with jsonrpc-lite. The server keeps its own byte-exact writer (json-rpc-reply.ts); a client only needs to read.
 */
import { type ErrorObject, type JsonRpcError, parse, request, type SuccessObject } from "jsonrpc-lite";
import { MiBadReplyError, MiClientError, MiReplyError } from "./mi-client-error.js";

/** Positional or named params of a call; no params are sent as `{}`, as opensips-cli does. */
export type MiCallParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** A request id as jsonrpc-lite accepts it: a non-empty string or a safe integer. */
export type MiRequestId = string | number;

/**
 * `{"jsonrpc":"2.0","id":…,"method":…,"params":…}`, in opensips-cli's key order.
 * @throws MiClientError for an empty method name or an id jsonrpc-lite refuses
 */
export function buildMiRequest(id: MiRequestId, method: string, params: MiCallParams = {}): string {
  try {
    return request(id, method, params as object).serialize();
  } catch (err) {
    const why = isJsonRpcError(err) ? `${err.message} (${String(err.data)})` : String(err);
    throw new MiClientError(`cannot build the MI request for ${JSON.stringify(method)}: ${why}`);
  }
}

/**
 * The `result` of a reply.
 * @throws MiReplyError for an error reply (and -32603 `Internal error` for an object that is neither a result nor an
 *   error); MiBadReplyError when the text is not a JSON object
 */
export function readMiReply(text: string): unknown {
  const parsed = parse(text);
  if (Array.isArray(parsed)) throw new MiBadReplyError(text);
  const type: string = parsed.type;
  if (type === "success") return (parsed.payload as SuccessObject).result;
  if (type === "error") {
    const error = (parsed.payload as ErrorObject).error;
    throw new MiReplyError(error.code, error.message, error.data);
  }
  if (type === "invalid") {
    const problem = parsed.payload as JsonRpcError;
    // jsonrpc-lite puts the decoded value in `data`: anything but an object was not a reply at all.
    if (problem.code === -32700 || !isPlainObject(problem.data)) throw new MiBadReplyError(text);
  }
  throw new MiReplyError(-32603, "Internal error");
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isJsonRpcError(v: unknown): v is JsonRpcError {
  return typeof v === "object" && v !== null && "code" in v && "message" in v;
}
