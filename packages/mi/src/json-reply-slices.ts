/**
 * A result reply as a sequence of text slices (docs/mi-protocol.md §3): the same bytes as {@link serializeResult}
 * (their concatenation is identical), made lazily so that a front end can write one slice, wait for the socket to
 * drain, yield to the event loop, and make the next. Only {@link MiSlicedArray} items are made lazily, one JSON value
 * at a time (an item that holds a sliced array of its own is printed in pieces too); any other value is printed whole
 * with `JSON.stringify`, as before.
 */
import { type MiId, serializeResult } from "./json-rpc-reply.js";
import { MiSlicedArray } from "./mi-sliced-array.js";

/** Slices are cut once they reach this many characters (a JSON value is never split across two calls of `next`). */
export const DEFAULT_SLICE_CHARS = 64 * 1024;

/** True when `value` contains a {@link MiSlicedArray} at the top or as the value of a key of a plain object. */
export function hasSlicedArray(value: unknown): boolean {
  if (value instanceof MiSlicedArray) return true;
  if (!isPlainObject(value)) return false;
  return Object.values(value).some(hasSlicedArray);
}

/**
 * The reply text of `{"jsonrpc":"2.0","result":…,"id":…}` in slices of about `sliceChars`. Undefined when a result
 * without a sliced array cannot be printed as JSON (as {@link serializeResult}).
 */
export function resultSlices(
  id: MiId,
  result: unknown,
  sliceChars = DEFAULT_SLICE_CHARS,
): Iterable<string> | undefined {
  if (!hasSlicedArray(result)) {
    const whole = serializeResult(id, result);
    return whole === undefined ? undefined : cut(whole, sliceChars);
  }
  return gather(
    (function* () {
      yield '{"jsonrpc":"2.0","result":';
      yield* pieces(result);
      yield `,"id":${JSON.stringify(id)}}`;
    })(),
    sliceChars,
  );
}

function* cut(text: string, size: number): Generator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

/** Joins small pieces into slices of at least `size` characters (the last may be shorter). */
function* gather(parts: Iterable<string>, size: number): Generator<string> {
  let buffer: string[] = [];
  let length = 0;
  for (const part of parts) {
    buffer.push(part);
    length += part.length;
    if (length >= size) {
      yield buffer.join("");
      buffer = [];
      length = 0;
    }
  }
  if (length > 0) yield buffer.join("");
}

/** `JSON.stringify(value)` in pieces, descending into plain objects to reach the sliced arrays. */
function* pieces(value: unknown): Generator<string> {
  if (value instanceof MiSlicedArray) {
    yield "[";
    for (let i = 0; i < value.length; i++) {
      const item = value.item(i);
      if (i > 0) yield ",";
      // An item holding a sliced array of its own (sr_list_reports without a group: one item per group, each with
      // its records' list) is printed in pieces too, so no whole group is one string.
      if (hasSlicedArray(item)) yield* pieces(item);
      else yield JSON.stringify(item) ?? "null";
    }
    yield "]";
    return;
  }
  if (isPlainObject(value) && hasSlicedArray(value)) {
    let first = true;
    yield "{";
    for (const key of Object.keys(value)) {
      const v = value[key];
      // The members JSON.stringify leaves out of an object.
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      yield `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      yield* pieces(v);
    }
    yield "}";
    return;
  }
  yield JSON.stringify(value) ?? "null";
}

/** An object `JSON.stringify` prints member by member: a plain object without a `toJSON` of its own. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return typeof (value as { toJSON?: unknown }).toJSON !== "function";
}
