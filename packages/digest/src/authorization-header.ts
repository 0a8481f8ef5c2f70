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
  // A value with CR, LF or NUL is reported before a bad qop (these scans allocate nothing).
  quotedContent("username", c.username);
  quotedContent("realm", c.realm);
  quotedContent("nonce", c.nonce);
  quotedContent("uri", c.uri);
  if (c.opaque !== undefined) quotedContent("opaque", c.opaque);
  const end = writeAuthorizationParts(c, PARTS, 0);
  const value = PARTS.join("");
  PARTS.fill("", 0, end);
  return value;
}

/**
 * {@link formatAuthorization}'s value as parts, written into `out` from index `at` (strings, in wire order; their
 * concatenation is the value); returns the index after the last. For a caller that joins the value into a larger
 * text (the registrant's header block) without making it a string of its own first. Same checks and errors.
 */
export function writeAuthorizationParts(
  c: DigestCredentials,
  out: Array<string | number>,
  at: number,
  /** The first part: `Digest username="`, or the caller's text ending with it (e.g. the header's name before it). */
  first: string = DIGEST_USERNAME,
): number {
  if (!first.endsWith(DIGEST_USERNAME))
    throw new DigestError("bad-input", 'first part must end with Digest username="');
  if (c.qop !== undefined) {
    if (c.qop !== "auth" && c.qop !== "auth-int") throw new DigestError("bad-input", "qop must be auth or auth-int");
    if (c.nc === undefined || c.cnonce === undefined) throw new DigestError("bad-input", "qop needs nc and cnonce");
  }
  return writeFrom(
    out,
    at,
    first,
    c.username,
    c.realm,
    c.nonce,
    c.uri,
    c.opaque,
    c.qop,
    c.qop === undefined ? "" : formatNonceCount(c.nc as number),
    c.cnonce ?? "",
    c.response,
    c.algorithm,
    c.userhash,
  );
}

/**
 * The value's parts in wire order, joined into one flat string: a template literal would build a chain of a dozen cons
 * strings first, then the transport's write would copy them flat (docs/performance.md, "Bytes per refresh in core
 * and digest"). A fixed array written by index and reused (`length = 0` would drop its storage): unused slots are "",
 * and every slot is cleared after the join, so nothing but the value outlives a call.
 */
const PARTS: Array<string | number> = new Array<string | number>(24).fill("");

const DIGEST_USERNAME = 'Digest username="';

/**
 * The fixed text between the values, with the values that are the same for many answers inside it (the realm, the
 * digest-uri = the registrar, the opaque, the qop): one part instead of up to seven, so a join copies fewer slots
 * (docs/performance.md, "Core and digest"). Kept per realm and per uri (bounded: only the reuse is lost past the
 * bound); the values in them were checked and escaped before.
 */
const REALM_PARTS = new Map<string, string>();
const URI_PARTS = new Map<string, UriEntry>();
const LIMIT = 256;
/** `", algorithm=<a>` per algorithm token. */
const ALGORITHM_PARTS = new Map<string, string>();

/**
 * `", realm="R", nonce="`, keyed by the realm as received: it is checked (CR, LF, NUL refused) and escaped only when
 * first seen, so a refresh does not scan it again.
 */
function realmPart(realm: string): string {
  let part = REALM_PARTS.get(realm);
  if (part === undefined) {
    part = ['", realm="', quotedContent("realm", realm), '", nonce="'].join(""); // flat: no cons chain per join
    if (REALM_PARTS.size >= LIMIT) REALM_PARTS.clear();
    REALM_PARTS.set(realm, part);
  }
  return part;
}

/** The uri part's three forms for one uri and opaque: without qop, with qop=auth, with qop=auth-int. */
interface UriParts {
  none: string | undefined;
  auth: string | undefined;
  authInt: string | undefined;
}

/** The forms kept for one uri: without an opaque, and per opaque as received. */
interface UriEntry {
  readonly noOpaque: UriParts;
  readonly byOpaque: Map<string, UriParts>;
}

const noParts = (): UriParts => ({ none: undefined, auth: undefined, authInt: undefined });

/**
 * `", uri="U"[, opaque="O"][, qop=Q, nc=]` or, without qop, up to the response's opening quote; keyed by the uri and
 * opaque as received, checked and escaped (uri first) only when the form is first built.
 */
function uriPart(uri: string, opaque: string | undefined, qop: string | undefined): string {
  let entry = URI_PARTS.get(uri);
  if (entry === undefined) {
    if (URI_PARTS.size >= LIMIT) URI_PARTS.clear();
    entry = { noOpaque: noParts(), byOpaque: new Map<string, UriParts>() };
    URI_PARTS.set(uri, entry);
  }
  let parts: UriParts | undefined;
  if (opaque === undefined) parts = entry.noOpaque;
  else {
    parts = entry.byOpaque.get(opaque);
    if (parts === undefined) {
      parts = noParts();
      if (entry.byOpaque.size >= 16) entry.byOpaque.clear();
      entry.byOpaque.set(opaque, parts);
    }
  }
  const known = qop === undefined ? parts.none : qop === "auth" ? parts.auth : parts.authInt;
  if (known !== undefined) return known;
  const uriText = quotedContent("uri", uri);
  const opaqueText = opaque === undefined ? undefined : quotedContent("opaque", opaque);
  const part = [
    '", uri="',
    uriText,
    '"',
    opaqueText === undefined ? "" : ', opaque="',
    opaqueText ?? "",
    opaqueText === undefined ? "" : '"',
    qop === undefined ? ', response="' : ", qop=",
    qop ?? "",
    qop === undefined ? "" : ", nc=",
  ].join("");
  if (qop === undefined) parts.none = part;
  else if (qop === "auth") parts.auth = part;
  else parts.authInt = part;
  return part;
}

function algorithmPart(algorithm: string): string {
  let part = ALGORITHM_PARTS.get(algorithm);
  if (part === undefined) {
    part = ['", algorithm=', algorithm].join("");
    if (ALGORITHM_PARTS.size < 16) ALGORITHM_PARTS.set(algorithm, part);
  }
  return part;
}

/** The value's parts into `p` from `at` (at most 13); the index after the last. */
function writeFrom(
  p: Array<string | number>,
  at: number,
  first: string,
  username: string,
  realm: string,
  nonce: string,
  uri: string,
  opaque: string | undefined,
  qop: string | undefined,
  ncHex: string,
  cnonce: string,
  response: string,
  algorithm: string,
  userhash: boolean,
): number {
  // Every value is checked for CR, LF and NUL while it is escaped; the quotes are written around it here.
  let i = at;
  p[i++] = first;
  p[i++] = quotedContent("username", username);
  p[i++] = realmPart(realm);
  p[i++] = quotedContent("nonce", nonce);
  p[i++] = uriPart(uri, opaque, qop);
  if (qop !== undefined) {
    p[i++] = ncHex;
    p[i++] = ', cnonce="';
    p[i++] = quotedContent("cnonce", cnonce);
    p[i++] = '", response="';
  }
  p[i++] = quotedContent("response", response);
  p[i++] = algorithm === "MD5" ? MD5_PART : algorithmPart(algorithm);
  if (userhash) p[i++] = ", userhash=true";
  return i;
}

const MD5_PART = '", algorithm=MD5';
