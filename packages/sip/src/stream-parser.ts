import { findHeadEnd, parseFrom, skipLeadingCrlf } from "./message-parser.js";
import type { SipRequest, SipResponse } from "./sip-message.js";
import { SipParseError } from "./sip-parse-error.js";

export interface SipStreamParserOptions {
  /** Largest head (start line + header fields) accepted before the empty line; default 64 KiB. */
  readonly maxHeadBytes?: number;
  /** Largest whole message; default 1 MiB. */
  readonly maxMessageBytes?: number;
}

/**
 * Message framing on a stream transport (RFC 3261 §18.3): push the received chunks, get whole messages back.
 * Content-Length is required; CRLFs between messages (RFC 5626 §4.4.1 keep-alives) are skipped.
 *
 * After a {@link SipParseError} the stream cannot be resynchronised: close the connection.
 */
export class SipStreamParser {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private readonly maxHead: number;
  private readonly maxMessage: number;
  private failed = false;
  /** Where to resume the search for the end of the head (so byte-by-byte input stays linear). */
  private scanFrom = 0;
  /** Octet offset the pending message needs before it is parsed again (0: none pending). */
  private pendingEnd = 0;

  constructor(options: SipStreamParserOptions = {}) {
    this.maxHead = options.maxHeadBytes ?? 64 * 1024;
    this.maxMessage = options.maxMessageBytes ?? 1024 * 1024;
  }

  /** Octets received but not yet part of a whole message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** @throws SipParseError (and keeps throwing on later pushes: the stream is broken). */
  push(chunk: Uint8Array): Array<SipRequest | SipResponse> {
    if (this.failed) throw new SipParseError("stream already failed", "", 0);
    this.append(chunk);
    const out: Array<SipRequest | SipResponse> = [];
    try {
      for (;;) {
        this.start = skipLeadingCrlf(this.buf, this.start, this.end);
        if (this.start >= this.end) {
          this.start = 0;
          this.end = 0;
          this.scanFrom = 0;
          break;
        }
        if (this.pendingEnd > 0 && this.end < this.pendingEnd) break;
        const headEnd = findHeadEnd(this.buf, Math.max(this.start, this.scanFrom), this.end);
        if (headEnd < 0) {
          if (this.end - this.start > this.maxHead) throw new SipParseError("message head too large", "", this.maxHead);
          this.scanFrom = Math.max(this.start, this.end - 3);
          break;
        }
        if (headEnd - this.start > this.maxHead) throw new SipParseError("message head too large", "", this.maxHead);
        const frame = parseFrom(this.buf, this.start, this.end, "stream");
        if (frame === undefined) break;
        if (frame.end - this.start > this.maxMessage) throw new SipParseError("message too large", "", this.maxMessage);
        if (frame.message === undefined) {
          this.pendingEnd = frame.end;
          this.scanFrom = this.start;
          break;
        }
        out.push(frame.message);
        this.start = frame.end;
        this.scanFrom = frame.end;
        this.pendingEnd = 0;
      }
    } catch (e) {
      this.failed = true;
      throw e;
    }
    return out;
  }

  private append(chunk: Uint8Array): void {
    const used = this.end - this.start;
    if (this.end + chunk.length <= this.buf.length) {
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    const need = used + chunk.length;
    if (need <= this.buf.length && this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2, 4096));
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
    }
    const shift = this.start;
    this.start = 0;
    this.end = used;
    this.scanFrom = Math.max(0, this.scanFrom - shift);
    if (this.pendingEnd > 0) this.pendingEnd -= shift;
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
}
