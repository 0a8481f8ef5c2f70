/**
 * Reply bytes exactly as OpenSIPS prints them (docs/mi-protocol.md §3): compact JSON, keys in the order
 * `jsonrpc`, `result`|`error`, `id`, UTF-8 unescaped, no trailing newline.
 *
 * `JSON.stringify` already escapes strings the way cJSON does (`\" \\ \b \f \n \r \t`, `\u00xx` for other control
 * characters, `/` and non-ASCII left alone), so it serializes the values; this module fixes the key order, which
 * jsonrpc-lite's `serialize()` does not (its objects start with `jsonrpc`, `id`).
 */
import type { MiError } from "./mi-error.js";

/** A JSON-RPC id as it is echoed: a string, an integer or null. */
export type MiId = string | number | null;

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/**
 * Normalizes a request id for echoing. Strings and null are kept. A number is echoed as an integer: a fractional id
 * is truncated (`1.5` → `1`, observed on OpenSIPS 3.6.8); values beyond the C `int` range saturate at
 * ±2147483647/-2147483648 like cJSON's `valueint` (our choice for a case nobody observed). Returns undefined for a
 * type that cannot be echoed (bool, array, object).
 */
export function echoableId(id: unknown): MiId | undefined {
  if (id === null || typeof id === "string") return id;
  if (typeof id === "number") {
    if (Number.isNaN(id)) return 0;
    const t = Math.trunc(id);
    if (t > INT_MAX) return INT_MAX;
    if (t < INT_MIN) return INT_MIN;
    return t === 0 ? 0 : t;
  }
  return undefined;
}

function idText(id: MiId): string {
  return JSON.stringify(id);
}

/** `{"jsonrpc":"2.0","result":<result>,"id":<id>}`; undefined if `result` cannot be printed as JSON. */
export function serializeResult(id: MiId, result: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  return `{"jsonrpc":"2.0","result":${text},"id":${idText(id)}}`;
}

/** `{"jsonrpc":"2.0","error":{"code":…,"message":"…"[,"data":"…"]},"id":<id>}`. */
export function serializeError(id: MiId, error: MiError): string {
  const data = error.data === undefined ? "" : `,"data":${JSON.stringify(error.data)}`;
  return `{"jsonrpc":"2.0","error":{"code":${Math.trunc(error.code)},"message":${JSON.stringify(error.message)}${data}},"id":${idText(id)}}`;
}
