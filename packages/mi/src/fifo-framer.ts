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
    const prior = this.#buf;
    if (prior.length > 0 && startsRequest(chunk)) {
      // A client that died mid-write left a partial request; the next client's write (atomic up to PIPE_BUF) starts
      // a request of its own. If the two together are broken JSON, only the partial is dropped, not the new request.
      const joined: FifoFrame[] = [];
      const pos = this.#frame(Buffer.concat([prior, chunk]), joined);
      const first = joined[0];
      if (first?.kind !== "dropped" || first.reason !== "bad-json") {
        this.#keep(Buffer.concat([prior, chunk]), pos);
        return [...out, ...joined];
      }
      out.push({ kind: "dropped", reason: "bad-json", bytes: prior.length });
      const buf = Buffer.from(chunk);
      this.#keep(buf, this.#frame(buf, out));
      return out;
    }
    const buf = prior.length === 0 ? Buffer.from(chunk) : Buffer.concat([prior, chunk]);
    this.#keep(buf, this.#frame(buf, out));
    return out;
  }

  #keep(buf: Buffer, pos: number): void {
    this.#buf = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }

  /** Frames the requests in `buf` into `out`; returns where the unconsumed rest (a partial request) starts. */
  #frame(buf: Buffer, out: FifoFrame[]): number {
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
    return pos;
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

/** True when `chunk` starts (after JSON whitespace) with the ':' of a request. */
function startsRequest(chunk: Uint8Array): boolean {
  let i = 0;
  while (i < chunk.length && isJsonWhitespace(chunk[i])) i++;
  return chunk[i] === COLON;
}
