/**
 * The only error the codec throws on bad input (RFC 3261 §7: a malformed message is rejected, never half-read).
 *
 * `offset` is the position in the text being parsed (the message head for {@link parseMessage}, the value for
 * the header parsers, the URI for {@link parseUri}); `excerpt` is a short, printable piece of the text around it.
 */
export class SipParseError extends Error {
  readonly offset: number;
  readonly excerpt: string;

  constructor(message: string, text: string, offset: number) {
    const excerpt = excerptAt(text, offset);
    super(`${message} at offset ${offset}: "${excerpt}"`);
    this.name = "SipParseError";
    this.offset = offset;
    this.excerpt = excerpt;
  }
}

const EXCERPT_BEFORE = 10;
const EXCERPT_AFTER = 30;

/** A printable excerpt (control characters shown as `\xNN`) so that errors can be logged safely. */
function excerptAt(text: string, offset: number): string {
  const from = Math.max(0, offset - EXCERPT_BEFORE);
  const to = Math.min(text.length, offset + EXCERPT_AFTER);
  let out = "";
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, "0")}` : text[i];
  }
  return out;
}
