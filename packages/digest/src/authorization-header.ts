import type { DigestCredentials } from "./digest-credentials.js";
import { DigestError } from "./digest-error.js";
import { formatNonceCount } from "./nonce-count.js";

/**
 * The inside of a quoted-string: `\` and `"` escaped as quoted-pairs (RFC 3261 §25.1, RFC 7230 §3.2.6); refuses CR,
 * LF and NUL in the same pass (header injection). The value itself when nothing needs escaping (no new string). The
 * message names the field, never the value.
 */
function quotedContent(field: string, value: string): string {
  let out = "";
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x5c && (c === 0x22 || c === 0x5c || c === 0x0d || c === 0x0a || c === 0x00)) {
      if (c !== 0x22 && c !== 0x5c) throw new DigestError("bad-input", `${field} contains CR, LF or NUL`);
      out += value.slice(runStart, i) + "\\" + value[i];
      runStart = i + 1;
    }
  }
  return runStart === 0 ? value : out + value.slice(runStart);
}

/**
 * The Authorization / Proxy-Authorization header VALUE, laid out exactly as OpenSIPS 3.6.8 sends it
 * (docs/opensips-behaviour.md §10 and the wire captures): `Digest username="U", realm="R", nonce="N", uri="…",
 * [opaque="O", ][qop=auth, nc=00000001, cnonce="C", ]response="<hex>", algorithm=MD5`, then `, userhash=true` when the
 * username is hashed (RFC 7616 §3.4.4). Throws DigestError `bad-input` if a value holds CR, LF or NUL, or a qop comes
 * without nc/cnonce.
 */
export function formatAuthorization(c: DigestCredentials): string {
  // Every value is checked for CR, LF and NUL while it is escaped; the quotes are written around it here.
  let out = `Digest username="${quotedContent("username", c.username)}", realm="${quotedContent(
    "realm",
    c.realm,
  )}", nonce="${quotedContent("nonce", c.nonce)}", uri="${quotedContent("uri", c.uri)}"`;
  if (c.opaque !== undefined) out += `, opaque="${quotedContent("opaque", c.opaque)}"`;
  if (c.qop !== undefined) {
    if (c.qop !== "auth" && c.qop !== "auth-int") throw new DigestError("bad-input", "qop must be auth or auth-int");
    if (c.nc === undefined || c.cnonce === undefined) throw new DigestError("bad-input", "qop needs nc and cnonce");
    out += `, qop=${c.qop}, nc=${formatNonceCount(c.nc)}, cnonce="${quotedContent("cnonce", c.cnonce)}"`;
  }
  out += `, response="${quotedContent("response", c.response)}", algorithm=${c.algorithm}`;
  if (c.userhash) out += ", userhash=true";
  return out;
}
