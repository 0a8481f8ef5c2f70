import type { DigestCredentials } from "./digest-credentials.js";
import { DigestError } from "./digest-error.js";
import { assertHeaderSafe } from "./header-value-check.js";
import { formatNonceCount } from "./nonce-count.js";

/** quoted-string with `\` and `"` escaped as quoted-pairs (RFC 3261 §25.1, RFC 7230 §3.2.6). */
function quote(value: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      out += value.slice(runStart, i) + "\\" + value[i];
      runStart = i + 1;
    }
  }
  return out + value.slice(runStart) + '"';
}

/**
 * The Authorization / Proxy-Authorization header VALUE, laid out exactly as OpenSIPS 3.6.8 sends it (reference §10
 * and the wire captures): `Digest username="U", realm="R", nonce="N", uri="…", [opaque="O", ][qop=auth, nc=00000001,
 * cnonce="C", ]response="<hex>", algorithm=MD5`, then `, userhash=true` when the username is hashed (RFC 7616 §3.4.4).
 * Throws DigestError `bad-input` if a value holds CR, LF or NUL, or a qop comes without nc/cnonce.
 */
export function formatAuthorization(c: DigestCredentials): string {
  assertHeaderSafe("username", c.username);
  assertHeaderSafe("realm", c.realm);
  assertHeaderSafe("nonce", c.nonce);
  assertHeaderSafe("uri", c.uri);
  assertHeaderSafe("response", c.response);
  let out = `Digest username=${quote(c.username)}, realm=${quote(c.realm)}, nonce=${quote(c.nonce)}, uri=${quote(c.uri)}`;
  if (c.opaque !== undefined) {
    assertHeaderSafe("opaque", c.opaque);
    out += `, opaque=${quote(c.opaque)}`;
  }
  if (c.qop !== undefined) {
    if (c.qop !== "auth" && c.qop !== "auth-int") throw new DigestError("bad-input", "qop must be auth or auth-int");
    if (c.nc === undefined || c.cnonce === undefined) throw new DigestError("bad-input", "qop needs nc and cnonce");
    assertHeaderSafe("cnonce", c.cnonce);
    out += `, qop=${c.qop}, nc=${formatNonceCount(c.nc)}, cnonce=${quote(c.cnonce)}`;
  }
  out += `, response=${quote(c.response)}, algorithm=${c.algorithm}`;
  if (c.userhash) out += ", userhash=true";
  return out;
}
