import { parseAuthParams } from "./authenticate-header.js";
import { DigestError } from "./digest-error.js";

/** The fields of an `Authentication-Info` (or `Proxy-Authentication-Info`) header, RFC 7616 §3.5 / RFC 3261 §20.6. */
export interface AuthenticationInfo {
  /** The nonce the server wants used for the next request; nc then restarts at 1. */
  readonly nextnonce?: string;
  readonly qop?: string;
  /** The server's mutual-authentication digest. */
  readonly rspauth?: string;
  readonly cnonce?: string;
  /** nc as sent (8 hex digits), parsed; undefined if absent or not hex. */
  readonly nc?: number;
}

/**
 * Parses an Authentication-Info header value (`nextnonce="…", qop=auth, rspauth="…", cnonce="…", nc=00000001`).
 * Unknown parameters are ignored. Throws DigestError `malformed-challenge` on bad syntax or a repeated parameter.
 */
export function parseAuthenticationInfo(value: string): AuthenticationInfo {
  if (typeof value !== "string") throw new DigestError("bad-input", "Authentication-Info must be a string");
  const info: { -readonly [K in keyof AuthenticationInfo]: AuthenticationInfo[K] } = {};
  const seen = new Set<string>();
  for (const p of parseAuthParams(value)) {
    if (seen.has(p.name)) {
      throw new DigestError(
        "malformed-challenge",
        `Authentication-Info parameter ${JSON.stringify(p.name)} appears twice`,
      );
    }
    seen.add(p.name);
    switch (p.name) {
      case "nextnonce":
        info.nextnonce = p.value;
        break;
      case "qop":
        info.qop = p.value;
        break;
      case "rspauth":
        info.rspauth = p.value;
        break;
      case "cnonce":
        info.cnonce = p.value;
        break;
      case "nc": {
        let ok = p.value.length > 0 && p.value.length <= 8;
        for (let i = 0; ok && i < p.value.length; i++) {
          const c = p.value.charCodeAt(i) | 0x20;
          ok = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
        }
        if (ok) info.nc = Number.parseInt(p.value, 16);
        break;
      }
    }
  }
  return info;
}
