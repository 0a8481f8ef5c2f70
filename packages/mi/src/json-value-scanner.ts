/**
 * Finds where the first JSON value (RFC 8259) in a byte buffer ends, validating its grammar on the way.
 *
 * OpenSIPS parses only the first JSON value of its input: over HTTP the trailing bytes are ignored, over the FIFO they
 * are the next request (docs/mi-protocol.md §1, §4). A stream (the FIFO) also needs to tell "not finished yet" from
 * "broken", hence the `final` flag: with `final = false` a value cut by the end of the buffer is `incomplete`, with
 * `final = true` it is `invalid`. Iterative (an explicit stack), so no input can overflow the call stack.
 */

/** The outcome of {@link scanJsonValue}. `end` is the offset just after the value (trailing whitespace excluded). */
export type JsonScan =
  | { status: "complete"; end: number }
  | { status: "incomplete" }
  | { status: "invalid"; at: number };

/** The deepest nesting accepted; deeper input is `invalid`. */
export const MAX_JSON_DEPTH = 512;

const OBJECT = 0;
const ARRAY = 1;

enum Expect {
  Value = 0,
  ValueOrArrayEnd = 1,
  KeyOrObjectEnd = 2,
  Key = 3,
  Colon = 4,
  CommaOrEnd = 5,
}

/** True for the four JSON whitespace bytes: space, tab, LF, CR. */
export function isJsonWhitespace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

type Step = number | "incomplete" | "invalid";

/** Scans a string starting at the opening quote; returns the offset after the closing quote. */
function scanString(buf: Uint8Array, start: number): Step {
  let j = start + 1;
  const n = buf.length;
  for (;;) {
    if (j >= n) return "incomplete";
    const b = buf[j] as number;
    if (b === 0x22) return j + 1;
    if (b < 0x20) return "invalid";
    if (b === 0x5c) {
      if (j + 1 >= n) return "incomplete";
      const e = buf[j + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          if (j + k >= n) return "incomplete";
          if (!isHex(buf[j + k])) return "invalid";
        }
        j += 6;
      } else if (
        e === 0x22 ||
        e === 0x5c ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        j += 2;
      } else {
        return "invalid";
      }
    } else {
      j++;
    }
  }
}

/**
 * Scans a number; at the end of the buffer a number may still grow, so it is `incomplete` unless `final`, where it is
 * complete if what was read so far is a whole number.
 */
function scanNumber(buf: Uint8Array, start: number, final: boolean): Step {
  const n = buf.length;
  let j = start;
  const cut = (accepting: boolean): Step => (final ? (accepting ? j : "invalid") : "incomplete");
  if (buf[j] === 0x2d) j++;
  if (j >= n) return cut(false);
  if (buf[j] === 0x30) {
    j++;
  } else if (isDigit(buf[j])) {
    while (j < n && isDigit(buf[j])) j++;
  } else {
    return "invalid";
  }
  if (j >= n) return cut(true);
  if (buf[j] === 0x2e) {
    j++;
    if (j >= n) return cut(false);
    if (!isDigit(buf[j])) return "invalid";
    while (j < n && isDigit(buf[j])) j++;
    if (j >= n) return cut(true);
  }
  if (buf[j] === 0x65 || buf[j] === 0x45) {
    j++;
    if (j >= n) return cut(false);
    if (buf[j] === 0x2b || buf[j] === 0x2d) j++;
    if (j >= n) return cut(false);
    if (!isDigit(buf[j])) return "invalid";
    while (j < n && isDigit(buf[j])) j++;
    if (j >= n) return cut(true);
  }
  return j;
}

const LITERALS: ReadonlyArray<Uint8Array> = [
  new TextEncoder().encode("true"),
  new TextEncoder().encode("false"),
  new TextEncoder().encode("null"),
];

function scanLiteral(buf: Uint8Array, start: number): Step {
  const lit = LITERALS.find((l) => l[0] === buf[start]);
  if (!lit) return "invalid";
  for (let k = 0; k < lit.length; k++) {
    if (start + k >= buf.length) return "incomplete";
    if (buf[start + k] !== lit[k]) return "invalid";
  }
  return start + lit.length;
}

/**
 * Scans the first JSON value at or after `start` (leading whitespace is skipped).
 * @param final true when no more bytes can follow (an HTTP body); false for a stream (the FIFO).
 */
export function scanJsonValue(buf: Uint8Array, start: number, final: boolean): JsonScan {
  const n = buf.length;
  const stack: number[] = [];
  let expect: Expect = Expect.Value;
  let i = start;
  const cutOff = (): JsonScan => (final ? { status: "invalid", at: n } : { status: "incomplete" });
  for (;;) {
    while (i < n && isJsonWhitespace(buf[i])) i++;
    if (i >= n) return cutOff();
    const c = buf[i] as number;
    let valueEnd = -1;
    switch (expect) {
      case Expect.ValueOrArrayEnd:
      case Expect.Value: {
        if (expect === Expect.ValueOrArrayEnd && c === 0x5d) {
          stack.pop();
          valueEnd = i + 1;
          break;
        }
        if (c === 0x7b || c === 0x5b) {
          if (stack.length >= MAX_JSON_DEPTH) return { status: "invalid", at: i };
          stack.push(c === 0x7b ? OBJECT : ARRAY);
          expect = c === 0x7b ? Expect.KeyOrObjectEnd : Expect.ValueOrArrayEnd;
          i++;
          continue;
        }
        let step: Step;
        if (c === 0x22) step = scanString(buf, i);
        else if (c === 0x2d || isDigit(c)) step = scanNumber(buf, i, final && stack.length === 0);
        else step = scanLiteral(buf, i);
        if (step === "incomplete") return cutOff();
        if (step === "invalid") return { status: "invalid", at: i };
        valueEnd = step;
        break;
      }
      case Expect.KeyOrObjectEnd:
      case Expect.Key: {
        if (expect === Expect.KeyOrObjectEnd && c === 0x7d) {
          stack.pop();
          valueEnd = i + 1;
          break;
        }
        if (c !== 0x22) return { status: "invalid", at: i };
        const step = scanString(buf, i);
        if (step === "incomplete") return cutOff();
        if (step === "invalid") return { status: "invalid", at: i };
        i = step;
        expect = Expect.Colon;
        continue;
      }
      case Expect.Colon:
        if (c !== 0x3a) return { status: "invalid", at: i };
        i++;
        expect = Expect.Value;
        continue;
      case Expect.CommaOrEnd: {
        const top = stack[stack.length - 1];
        if (c === 0x2c) {
          i++;
          expect = top === OBJECT ? Expect.Key : Expect.Value;
          continue;
        }
        if ((top === OBJECT && c === 0x7d) || (top === ARRAY && c === 0x5d)) {
          stack.pop();
          valueEnd = i + 1;
          break;
        }
        return { status: "invalid", at: i };
      }
    }
    if (stack.length === 0) return { status: "complete", end: valueEnd };
    i = valueEnd;
    expect = Expect.CommaOrEnd;
  }
}

/** The first JSON value of `buf` from `start`, decoded; see {@link scanJsonValue}. Never throws. */
export type JsonParse =
  | { status: "complete"; value: unknown; end: number }
  | { status: "incomplete" }
  | { status: "invalid" };

const decoder = new TextDecoder("utf-8");

/** Scans then decodes (UTF-8, invalid sequences become U+FFFD) the first JSON value of `buf` from `start`. */
export function parseFirstJsonValue(buf: Uint8Array, start: number, final: boolean): JsonParse {
  const scan = scanJsonValue(buf, start, final);
  if (scan.status === "incomplete") return scan;
  if (scan.status === "invalid") return { status: "invalid" };
  try {
    const value: unknown = JSON.parse(decoder.decode(buf.subarray(start, scan.end)));
    return { status: "complete", value, end: scan.end };
  } catch {
    return { status: "invalid" };
  }
}
