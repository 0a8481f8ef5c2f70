/**
 * The JSON-RPC 2.0 request as the OpenSIPS MI core accepts it (docs/mi-protocol.md §1).
 */
import { echoableId, type MiId } from "./json-rpc-reply.js";
import { MiError } from "./mi-error.js";

/** Positional (array) or named (object) parameters; undefined when absent, `[]` or `{}` (all mean "no params"). */
export type MiRequestParams = readonly unknown[] | Readonly<Record<string, unknown>> | undefined;

/** A request that passed §1's checks. A `notification` (no `id`) gets no reply unless it is invalid. */
export interface MiRequest {
  readonly id: MiId;
  readonly notification: boolean;
  readonly method: string;
  readonly params: MiRequestParams;
}

/** §1 failed: answer `error` with `id` (the request's id when it could be read, otherwise null). */
export interface MiInvalidRequest {
  readonly invalid: true;
  readonly id: MiId;
  readonly error: MiError;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a decoded JSON value against §1:
 * - not an object (an array, a scalar) → -32600 with id null (OpenSIPS 3.6.8 crashes on an array over the FIFO);
 * - an `id` that is a bool, array or object cannot be echoed → -32600 with id null (the reference allows this choice
 *   instead of OpenSIPS's HTTP 500 / FIFO `failed to print response`);
 * - `jsonrpc` other than the string "2.0", `method` missing or not a string, `params` neither array nor object →
 *   -32600, echoing the id when there is one.
 */
export function parseMiRequest(value: unknown): MiRequest | MiInvalidRequest {
  if (!isPlainObject(value)) return { invalid: true, id: null, error: MiError.invalidRequest() };
  const hasId = Object.hasOwn(value, "id");
  const id = hasId ? echoableId(value.id) : null;
  if (id === undefined) return { invalid: true, id: null, error: MiError.invalidRequest() };
  const method = value.method;
  const params = Object.hasOwn(value, "params") ? value.params : undefined;
  if (
    value.jsonrpc !== "2.0" ||
    typeof method !== "string" ||
    (params !== undefined && typeof params !== "object") ||
    params === null
  ) {
    return { invalid: true, id, error: MiError.invalidRequest() };
  }
  let normalized: MiRequestParams;
  if (Array.isArray(params)) normalized = params.length === 0 ? undefined : params;
  else if (isPlainObject(params)) normalized = Object.keys(params).length === 0 ? undefined : params;
  return { id, notification: !hasId, method, params: normalized };
}
