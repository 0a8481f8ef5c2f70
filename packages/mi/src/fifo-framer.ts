/**
 * mi_fifo request framing on a byte stream: `':' <reply_name> ':' <json>` (docs/mi-protocol.md §4). Pure: bytes in,
 * requests out; the clock comes in as a parameter. The client side builds its requests and reply paths with the
 * same rules ({@link frameFifoRequest}, {@link fifoReplyPath}, {@link isForbiddenReplyName}).
 */
import { isJsonWhitespace, parseFirstJsonValue } from "./json-value-scanner.js";

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

/**
 * Accumulates bytes and yields requests in order. On bytes that cannot start a request (not ':' after whitespace) or
 * broken JSON, everything buffered is discarded, as mi_fifo discards its read buffer. A partial request waits for
 * more bytes, up to `maxRequestBytes`, and is discarded if it is older than `staleAfterMs` when new bytes arrive
 * (so a client that died mid-write cannot poison the next one). Never throws.
 */
export class FifoFramer {
  readonly #max: number;
  readonly #staleAfter: number;
  #buf: Buffer = Buffer.alloc(0);
  #lastAt = 0;

  constructor(options: FifoFramerOptions = {}) {
    this.#max = options.maxRequestBytes ?? 65536;
    this.#staleAfter = options.staleAfterMs ?? 2000;
  }

  /** Bytes waiting for the rest of a request. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Feeds bytes read from the FIFO at time `now` (ms); returns the complete requests and drops, in order. */
  push(chunk: Uint8Array, now: number): FifoFrame[] {
    const out: FifoFrame[] = [];
    if (this.#buf.length > 0 && now - this.#lastAt > this.#staleAfter) {
      out.push({ kind: "dropped", reason: "stale", bytes: this.#buf.length });
      this.#buf = Buffer.alloc(0);
    }
    this.#lastAt = now;
    const buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    let pos = 0;
    for (;;) {
      let i = pos;
      while (i < buf.length && isJsonWhitespace(buf[i])) i++;
      if (i >= buf.length) {
        pos = buf.length;
        break;
      }
      if (buf[i] !== COLON) {
        out.push({ kind: "dropped", reason: "no-leading-colon", bytes: buf.length - i });
        pos = buf.length;
        break;
      }
      const nameEnd = buf.indexOf(COLON, i + 1);
      if (nameEnd === -1) {
        pos = this.#waitOrDrop(buf, i, out);
        break;
      }
      let j = nameEnd + 1;
      while (j < buf.length && isJsonWhitespace(buf[j])) j++;
      if (j >= buf.length) {
        pos = this.#waitOrDrop(buf, i, out);
        break;
      }
      const parsed = parseFirstJsonValue(buf, j, false);
      if (parsed.status === "incomplete") {
        pos = this.#waitOrDrop(buf, i, out);
        break;
      }
      if (parsed.status === "invalid") {
        out.push({ kind: "dropped", reason: "bad-json", bytes: buf.length - i });
        pos = buf.length;
        break;
      }
      const size = parsed.end - i;
      pos = parsed.end;
      if (size > this.#max) {
        out.push({ kind: "dropped", reason: "too-large", bytes: size });
        continue;
      }
      const replyName = buf.toString("utf8", i + 1, nameEnd);
      if (isForbiddenReplyName(replyName)) {
        out.push({ kind: "dropped", reason: "forbidden-name", bytes: size });
        continue;
      }
      out.push({ kind: "request", replyName, value: parsed.value });
    }
    this.#buf = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return out;
  }

  /** Keeps a partial request from `start`, or drops everything if it is already too large. */
  #waitOrDrop(buf: Buffer, start: number, out: FifoFrame[]): number {
    if (buf.length - start > this.#max) {
      out.push({ kind: "dropped", reason: "too-large", bytes: buf.length - start });
      return buf.length;
    }
    return start;
  }
}
