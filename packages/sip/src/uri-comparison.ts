import { SipParseError } from "./sip-parse-error.js";
import { isSipUri, type OpaqueUri, parseUri, type SipUri } from "./sip-uri.js";

/**
 * URI parameters that, when present in either URI, must be present in both and equal (RFC 3261 §19.1.4:
 * "user, ttl, method, maddr, transport").
 */
const STRICT_PARAMS = ["user", "ttl", "method", "maddr", "transport"] as const;

/**
 * SIP URI equivalence, RFC 3261 §19.1.4:
 * - same scheme (sip ≠ sips);
 * - userinfo (user and password) equal case-sensitively after %-unescaping;
 * - host equal case-insensitively; port equal, and an absent port ≠ an explicit 5060;
 * - `user`, `ttl`, `method`, `maddr`, `transport` present in one ⇒ present in the other with an equal value;
 *   any other parameter present in both must be equal; a parameter in only one is ignored;
 * - headers are never ignored: the same header names with equal values on both sides;
 * - parameter and header values compare case-insensitively after unescaping.
 * Non-SIP URIs are equal when their scheme (case-insensitive) and the rest (exact) are equal.
 * Returns false, never throws, when either side does not parse.
 */
export function uriEquals(a: string | SipUri, b: string | SipUri): boolean {
  const ua = toUri(a);
  const ub = toUri(b);
  if (ua === undefined || ub === undefined) return false;
  if (!isSipUri(ua) || !isSipUri(ub)) {
    if (isSipUri(ua) || isSipUri(ub)) return false;
    return ua.scheme === ub.scheme && ua.opaque === ub.opaque;
  }
  if (ua.scheme !== ub.scheme) return false;
  if (ua.user !== ub.user || ua.password !== ub.password) return false;
  if (ua.host.toLowerCase() !== ub.host.toLowerCase()) return false;
  if (ua.port !== ub.port) return false;
  for (const name of STRICT_PARAMS) {
    const va = ua.params.get(name);
    const vb = ub.params.get(name);
    if (ua.params.has(name) !== ub.params.has(name)) return false;
    if (!sameValue(va, vb)) return false;
  }
  for (const [name, va] of ua.params) {
    if (ub.params.has(name) && !sameValue(va, ub.params.get(name))) return false;
  }
  if (ua.headers.size !== ub.headers.size) return false;
  for (const [name, va] of ua.headers) {
    const vb = findHeader(ub.headers, name);
    if (vb === undefined || va.toLowerCase() !== vb.toLowerCase()) return false;
  }
  return true;
}

function toUri(u: string | SipUri): SipUri | OpaqueUri | undefined {
  if (typeof u !== "string") return u;
  try {
    return parseUri(u);
  } catch (e) {
    if (e instanceof SipParseError) return undefined;
    throw e;
  }
}

function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return a.toLowerCase() === b.toLowerCase();
}

function findHeader(headers: ReadonlyMap<string, string>, name: string): string | undefined {
  const direct = headers.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
