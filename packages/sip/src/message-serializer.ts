import { type SipRequest, SipResponse } from "./sip-message.js";

const encoder = new TextEncoder();

/**
 * Serialize a message (RFC 3261 §7): start line, the header fields in order as `Name: value` CRLF, an empty line,
 * the body. `Content-Length` (or `l`) is always written with the body's length: the first such field is rewritten in
 * place (keeping its spelling), later ones are dropped, and `Content-Length` is appended when there was none.
 */
export function serializeMessage(msg: SipRequest | SipResponse): Uint8Array {
  const index = msg.headerIndex();
  let head =
    msg instanceof SipResponse
      ? `${msg.version} ${msg.status} ${msg.reason}\r\n`
      : `${msg.method} ${msg.uri} ${msg.version}\r\n`;
  let wroteLength = false;
  const n = index.length;
  for (let i = 0; i < n; i++) {
    if (index.key(i) === "content-length") {
      if (wroteLength) continue;
      wroteLength = true;
      head += `${index.name(i)}: ${msg.body.length}\r\n`;
      continue;
    }
    head += `${index.name(i)}: ${index.value(i)}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += "\r\n";
  if (msg.body.length === 0) return encoder.encode(head);
  // Encode the head straight into the output buffer (a UTF-8 char is at most 3 bytes per UTF-16 unit).
  const out = new Uint8Array(head.length * 3 + msg.body.length);
  const { written } = encoder.encodeInto(head, out);
  out.set(msg.body, written);
  return out.subarray(0, written + msg.body.length);
}
