/**
 * mi_fifo request framing on a byte stream: `':' <reply_name> ':' <json>` (docs/mi-protocol.md §4). Pure: bytes in,
 * requests out; the clock comes in as a parameter. The client side builds its requests and reply paths with the
 * same rules ({@link frameFifoRequest}, {@link fifoReplyPath}, {@link isForbiddenReplyName}).
 */
import { isJsonWhitespace, MAX_JSON_DEPTH, parseFirstJsonValue } from "./json-value-scanner.js";

/** One framed request. `replyName` is "" for "run it, send no reply". */
export interface FifoRequest {
  readonly kind: "request";
  readonly replyName: string;
  /** The decoded first JSON value after the name (not yet checked against JSON-RPC). */
  readonly value: unknown;
}

/** Bytes thrown away, with the reason (for a debug log). Nothing is replied for these. */
export interface FifoDrop {
  readonly kind: "dropped";
  readonly reason: "no-leading-colon" | "bad-json" | "too-large" | "stale" | "forbidden-name";
  readonly bytes: number;
}

export type FifoFrame = FifoRequest | FifoDrop;

/** Options of {@link FifoFramer}. */
export interface FifoFramerOptions {
  /** Largest request (from the first ':' to the end of the JSON), default 65536; OpenSIPS reads 4096 at most. */
  readonly maxRequestBytes?: number;
  /** A partial request older than this (ms) is discarded when new bytes arrive, default 2000. */
  readonly staleAfterMs?: number;
}

const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;
const COMMA = 0x2c;

/** True for a reply name mi_fifo refuses: one containing `.`, `/` or `\` (docs/mi-protocol.md §4). */
export function isForbiddenReplyName(name: string): boolean {
  return /[./\\]/.test(name);
}

/**
 * Where the server writes the reply to a request named `replyName`: `replyDir + replyName`, a plain concatenation as
 * in mi_fifo (docs/mi-protocol.md §4), so `reply_dir` normally ends with `/`.
 */
export function fifoReplyPath(replyDir: string, replyName: string): string {
  return replyDir + replyName;
}

/** The bytes of one request on the server FIFO: `:<replyName>:<json>` (docs/mi-protocol.md §4). */
export function frameFifoRequest(replyName: string, json: string): string {
  return `:${replyName}:${json}`;
}

/** Where the framer is in the request it is reading: between requests, in the reply name, before or in the JSON. */
const BETWEEN = 0;
const NAME = 1;
const BEFORE_VALUE = 2;
const VALUE = 3;

/**
 * Accumulates bytes and yields requests in order. On bytes that cannot start a request (not ':' after whitespace) or
 * broken JSON, everything buffered is discarded, as mi_fifo discards its read buffer. A partial request waits for
 * more bytes, up to `maxRequestBytes`, and is discarded if it is older than `staleAfterMs` when new bytes arrive
 * (so a client that died mid-write cannot poison the next one). Never throws.
 *
 * Linear in the bytes pushed however they are split (issue 10 item 1): each byte is looked at once by a resumable
 * scanner ({@link JsonValueEnd}, its state kept between pushes) that finds where the JSON value ends or that it cannot
 * be JSON; the bytes of a partial request are appended to one growing buffer (doubling, so copies are amortised), and
 * the value is decoded once, when it is complete, by the one JSON scanner of the package (json-value-scanner.ts).
 * {@link workDone} meters it.
 */
export class FifoFramer {
  readonly #max: number;
  readonly #staleAfter: number;
  /** The bytes of the partial request, from its ':', in the first `#accLen` bytes. */
  #acc: Buffer = Buffer.alloc(0);
  #accLen = 0;
  #lastAt = 0;
  #phase = BETWEEN;
  /** Offsets in the request (from its ':') of the ':' that ends the reply name and of the JSON value. */
  #nameEnd = 0;
  #valueStart = 0;
  readonly #json = new JsonValueEnd();
  #work = 0;

  constructor(options: FifoFramerOptions = {}) {
    this.#max = options.maxRequestBytes ?? 65536;
    this.#staleAfter = options.staleAfterMs ?? 2000;
  }

  /** Bytes waiting for the rest of a request. */
  get pending(): number {
    return this.#accLen;
  }

  /**
   * Bytes scanned, copied and decoded since the framer was made: a cost meter (no clock) for tests and benchmarks.
   * It grows in proportion to the bytes pushed, whatever the size of the pieces they come in.
   */
  get workDone(): number {
    return this.#work;
  }

  /** Feeds bytes read from the FIFO at time `now` (ms); returns the complete requests and drops, in order. */
  push(chunk: Uint8Array, now: number): FifoFrame[] {
    const out: FifoFrame[] = [];
    if (this.#accLen > 0 && now - this.#lastAt > this.#staleAfter) {
      out.push({ kind: "dropped", reason: "stale", bytes: this.#accLen });
      this.#forget();
    }
    this.#lastAt = now;
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // A client that died mid-write left a partial request; the next client's write (atomic up to PIPE_BUF) starts a
    // request of its own. If the two together are broken JSON, only the partial is dropped, not the new request.
    const joined = this.#accLen > 0 && startsRequest(data);
    this.#frame(data, out, joined);
    return out;
  }

  /**
   * Frames `data` into `out`, going on with the partial request if any. `joined`: `data` starts like a request while
   * a partial waits, so JSON found broken in the partial's value drops only the partial, and `data` is framed anew.
   */
  #frame(data: Buffer, out: FifoFrame[], joined: boolean): void {
    const n = data.length;
    /** Where the current request starts in `data`, or -1 when it started in an earlier chunk (bytes in `#acc`). */
    let start = -1;
    const offset = (k: number) => (start >= 0 ? k - start : this.#accLen + k);
    let i = 0;
    while (i < n) {
      if (this.#phase === BETWEEN) {
        const c = data[i]!;
        this.#work++;
        if (isJsonWhitespace(c)) {
          i++;
        } else if (c !== COLON) {
          out.push({ kind: "dropped", reason: "no-leading-colon", bytes: n - i });
          i = n;
        } else {
          start = i;
          this.#phase = NAME;
          i++;
        }
      } else if (this.#phase === NAME) {
        const at = data.indexOf(COLON, i);
        this.#work += (at === -1 ? n : at + 1) - i;
        if (at === -1) {
          i = n;
        } else {
          this.#nameEnd = offset(at);
          this.#phase = BEFORE_VALUE;
          i = at + 1;
        }
      } else if (this.#phase === BEFORE_VALUE) {
        this.#work++;
        if (isJsonWhitespace(data[i])) {
          i++;
        } else {
          this.#valueStart = offset(i);
          this.#json.reset();
          this.#phase = VALUE;
        }
      } else {
        const end = this.#json.feed(data, i, n);
        this.#work += (end >= 0 ? end : n) - i;
        // Taken before #complete appends this chunk's part of the request.
        const prior = this.#accLen;
        const toEnd = offset(n);
        const frame = end === INCOMPLETE ? undefined : end === INVALID ? BAD_JSON : this.#complete(data, start, end);
        if (frame === undefined) {
          i = n;
        } else if (frame === BAD_JSON) {
          if (joined && start < 0) {
            out.push({ kind: "dropped", reason: "bad-json", bytes: prior });
            this.#forget();
            joined = false;
            i = 0;
            continue;
          }
          out.push({ kind: "dropped", reason: "bad-json", bytes: toEnd });
          this.#forget();
          start = -1;
          i = n;
        } else {
          out.push(frame);
          this.#forget();
          start = -1;
          i = end;
        }
      }
    }
    if (this.#phase === BETWEEN) return;
    const size = offset(n);
    if (size > this.#max) {
      out.push({ kind: "dropped", reason: "too-large", bytes: size });
      this.#forget();
      return;
    }
    this.#append(data, Math.max(start, 0), n);
  }

  /**
   * The request whose value ends at `end` in `data` (the request began at `start`, or in `#acc` when -1), decoded once
   * by parseFirstJsonValue; {@link BAD_JSON} when that scanner does not find the same value.
   */
  #complete(data: Buffer, start: number, end: number): FifoRequest | FifoDrop | typeof BAD_JSON {
    // One byte past the value when there is one: a top-level number is only known to end at the byte after it.
    const upTo = Math.min(data.length, end + 1);
    let request: Buffer;
    if (start >= 0) {
      request = data.subarray(start, upTo);
    } else {
      this.#append(data, 0, upTo);
      request = this.#acc.subarray(0, this.#accLen);
    }
    const expectedEnd = start >= 0 ? end - start : request.length - (upTo - end);
    const parsed = parseFirstJsonValue(request, this.#valueStart, false);
    this.#work += request.length - this.#valueStart;
    if (parsed.status !== "complete" || parsed.end !== expectedEnd) return BAD_JSON;
    const size = parsed.end;
    if (size > this.#max) return { kind: "dropped", reason: "too-large", bytes: size };
    const replyName = request.toString("utf8", 1, this.#nameEnd);
    if (isForbiddenReplyName(replyName)) return { kind: "dropped", reason: "forbidden-name", bytes: size };
    return { kind: "request", replyName, value: parsed.value };
  }

  /** Appends `data[from, to)` to the partial request, doubling the buffer when it is full. */
  #append(data: Buffer, from: number, to: number): void {
    const len = to - from;
    const need = this.#accLen + len;
    if (need > this.#acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#acc.length, 256));
      this.#acc.copy(grown, 0, 0, this.#accLen);
      this.#work += this.#accLen;
      this.#acc = grown;
    }
    data.copy(this.#acc, this.#accLen, from, to);
    this.#accLen = need;
    this.#work += len;
  }

  /** Forgets the current request: back between requests; a large buffer is let go. */
  #forget(): void {
    this.#phase = BETWEEN;
    this.#accLen = 0;
    if (this.#acc.length > 4096) this.#acc = Buffer.alloc(0);
  }
}

/** {@link JsonValueEnd.feed}: no end yet. */
const INCOMPLETE = -1;
/** {@link JsonValueEnd.feed}: these bytes cannot continue a JSON value. */
const INVALID = -2;
/** The frame of a request whose JSON is broken (bytes counted by the caller). */
const BAD_JSON = Symbol("bad-json");

/** What the scanner expects next, outside a token. */
const EXPECT_VALUE = 0;
const EXPECT_VALUE_OR_ARRAY_END = 1;
const EXPECT_KEY_OR_OBJECT_END = 2;
const EXPECT_KEY = 3;
const EXPECT_COLON = 4;
const EXPECT_COMMA_OR_END = 5;

/** The token being read. */
const IN_NOTHING = 0;
const IN_STRING = 1;
const IN_ESCAPE = 2;
const IN_UNICODE = 3;
const IN_NUMBER = 4;
const IN_LITERAL = 5;

const OBJECT = 0;
const ARRAY = 1;

const LITERALS: ReadonlyArray<Uint8Array> = [Buffer.from("true"), Buffer.from("false"), Buffer.from("null")];

/**
 * Finds where a JSON value (RFC 8259) ends in bytes that arrive in pieces, keeping its state between pieces, so each
 * byte is looked at once. It checks the grammar (brackets, keys, colons, commas, string escapes, numbers, literals) so
 * broken JSON is noticed where it breaks, as mi_fifo drops it; the complete value is then decoded by
 * parseFirstJsonValue (json-value-scanner.ts), which has the last word.
 */
class JsonValueEnd {
  readonly #stack: number[] = [];
  #expect = EXPECT_VALUE;
  #token = IN_NOTHING;
  /** The string being read is an object key. */
  #key = false;
  /** Hex digits left in a `\u` escape, or the index in the literal being read. */
  #left = 0;
  #literal: Uint8Array = LITERALS[0]!;

  reset(): void {
    this.#stack.length = 0;
    this.#expect = EXPECT_VALUE;
    this.#token = IN_NOTHING;
  }

  /**
   * Reads `buf[from, to)`: the offset just after the value when it ends there, {@link INVALID} at a byte that cannot
   * continue it, else {@link INCOMPLETE}.
   */
  feed(buf: Uint8Array, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const c = buf[i]!;
      const token = this.#token;
      if (token === IN_STRING) {
        if (c === QUOTE) {
          this.#token = IN_NOTHING;
          if (this.#key) this.#expect = EXPECT_COLON;
          else if (this.#valueDone()) return i + 1;
        } else if (c === BACKSLASH) {
          this.#token = IN_ESCAPE;
        } else if (c < 0x20) {
          return INVALID;
        }
        continue;
      }
      if (token === IN_ESCAPE) {
        if (c === 0x75) {
          this.#token = IN_UNICODE;
          this.#left = 4;
        } else if (isSimpleEscape(c)) {
          this.#token = IN_STRING;
        } else {
          return INVALID;
        }
        continue;
      }
      if (token === IN_UNICODE) {
        if (!isHex(c)) return INVALID;
        if (--this.#left === 0) this.#token = IN_STRING;
        continue;
      }
      if (token === IN_LITERAL) {
        if (c !== this.#literal[this.#left]) return INVALID;
        if (++this.#left < this.#literal.length) continue;
        this.#token = IN_NOTHING;
        if (this.#valueDone()) return i + 1;
        continue;
      }
      if (token === IN_NUMBER) {
        const next = numberStep(this.#left, c);
        if (next >= 0) {
          this.#left = next;
          continue;
        }
        if (!NUMBER_ENDS[this.#left]) return INVALID;
        this.#token = IN_NOTHING;
        if (this.#valueDone()) return i; // the value ended before this byte
      }
      if (isJsonWhitespace(c)) continue;
      const step = this.#structure(c);
      if (step === INVALID) return INVALID;
      if (step === 1) return i + 1;
    }
    return INCOMPLETE;
  }

  /** A byte outside any token: 1 when it ends the whole value, 0 when it is read, {@link INVALID}. */
  #structure(c: number): number {
    const expect = this.#expect;
    if (expect === EXPECT_VALUE || expect === EXPECT_VALUE_OR_ARRAY_END) {
      if (expect === EXPECT_VALUE_OR_ARRAY_END && c === RIGHT_BRACKET) return this.#close();
      if (c === LEFT_BRACE || c === LEFT_BRACKET) {
        if (this.#stack.length >= MAX_JSON_DEPTH) return INVALID;
        this.#stack.push(c === LEFT_BRACE ? OBJECT : ARRAY);
        this.#expect = c === LEFT_BRACE ? EXPECT_KEY_OR_OBJECT_END : EXPECT_VALUE_OR_ARRAY_END;
        return 0;
      }
      if (c === QUOTE) {
        this.#token = IN_STRING;
        this.#key = false;
        return 0;
      }
      const number = numberStep(N_START, c);
      if (number >= 0) {
        this.#token = IN_NUMBER;
        this.#left = number;
        return 0;
      }
      const literal = LITERALS.find((l) => l[0] === c);
      if (literal === undefined) return INVALID;
      this.#literal = literal;
      this.#left = 1;
      this.#token = IN_LITERAL;
      return 0;
    }
    if (expect === EXPECT_KEY_OR_OBJECT_END || expect === EXPECT_KEY) {
      if (expect === EXPECT_KEY_OR_OBJECT_END && c === RIGHT_BRACE) return this.#close();
      if (c !== QUOTE) return INVALID;
      this.#token = IN_STRING;
      this.#key = true;
      return 0;
    }
    if (expect === EXPECT_COLON) {
      if (c !== COLON) return INVALID;
      this.#expect = EXPECT_VALUE;
      return 0;
    }
    const top = this.#stack[this.#stack.length - 1];
    if (c === COMMA) {
      this.#expect = top === OBJECT ? EXPECT_KEY : EXPECT_VALUE;
      return 0;
    }
    if ((top === OBJECT && c === RIGHT_BRACE) || (top === ARRAY && c === RIGHT_BRACKET)) return this.#close();
    return INVALID;
  }

  /** Closes the innermost object or array: 1 when that ends the whole value, else 0. */
  #close(): number {
    this.#stack.pop();
    return this.#valueDone() ? 1 : 0;
  }

  /** A value ended: true when it is the whole value, else a comma or the end of its container comes next. */
  #valueDone(): boolean {
    if (this.#stack.length === 0) return true;
    this.#expect = EXPECT_COMMA_OR_END;
    return false;
  }
}

/** The characters after a backslash that stand alone in a JSON string (RFC 8259 §7): `"` `\` `/` b f n r t. */
function isSimpleEscape(c: number): boolean {
  return c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Where a number is in its grammar (RFC 8259 §6): `-`, `0`, integer digits, `.`, fraction, `e`, exponent sign, digits. */
const N_START = -1;
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_E = 5;
const N_SIGN = 6;
const N_EXP = 7;
/** By state: whether the number read so far is a whole number (it may end before the next byte). */
const NUMBER_ENDS: readonly boolean[] = [false, true, true, false, true, false, false, true];

/** The state of a number after byte `c` read in `state`, or -1 when `c` cannot continue it (RFC 8259 §6). */
function numberStep(state: number, c: number): number {
  const digit = c >= 0x30 && c <= 0x39;
  const e = c === 0x65 || c === 0x45;
  switch (state) {
    case N_START:
      return c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : digit ? N_INT : -1;
    case N_MINUS:
      return c === 0x30 ? N_ZERO : digit ? N_INT : -1;
    case N_ZERO:
      return c === 0x2e ? N_DOT : e ? N_E : -1;
    case N_INT:
      return digit ? N_INT : c === 0x2e ? N_DOT : e ? N_E : -1;
    case N_DOT:
    case N_FRAC:
      return digit ? N_FRAC : e && state === N_FRAC ? N_E : -1;
    case N_E:
      return c === 0x2b || c === 0x2d ? N_SIGN : digit ? N_EXP : -1;
    default:
      return digit ? N_EXP : -1;
  }
}

/** True when `chunk` starts (after JSON whitespace) with the ':' of a request. */
function startsRequest(chunk: Uint8Array): boolean {
  let i = 0;
  while (i < chunk.length && isJsonWhitespace(chunk[i])) i++;
  return chunk[i] === COLON;
}
