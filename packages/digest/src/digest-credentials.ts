import { type DigestAlgorithm, digestHexLength, hashHex, isSessionAlgorithm } from "./digest-algorithm.js";
import type { DigestChallenge, DigestQop } from "./digest-challenge.js";
import { DigestError } from "./digest-error.js";
import { assertHeaderSafe } from "./header-value-check.js";
import { formatNonceCount } from "./nonce-count.js";

/** What computeCredentials needs: the chosen challenge, the account, and the request being authorized. */
export interface DigestCredentialsInput {
  challenge: DigestChallenge;
  username: string;
  /** The password, or `0x` + HA1 in hex (32 digits for MD5, 64 for the SHA-2 algorithms), used directly as HA1. */
  password: string;
  /** The request method, e.g. "REGISTER". */
  method: string;
  /** digest-uri: for the registrant, the Request-URI (the registrar string, docs/opensips-behaviour.md §4.1). */
  uri: string;
  /** The request's body for qop=auth-int (RFC 7616 §3.4.3); absent = empty body, H(""). */
  body?: Uint8Array;
  /** Nonce count, 1 for the first request with this nonce (see NonceCounter). Ignored without qop. */
  nc: number;
  /** Client nonce (see newCnonce). Ignored without qop. */
  cnonce: string;
  /**
   * The nonce to answer with, when it is not `challenge.nonce`: a caller that keeps one challenge object for many
   * accounts, each with its own nonce, passes the shared challenge and the account's nonce (no copy per answer).
   */
  nonce?: string | undefined;
  /**
   * Force a qop the challenge offered; by default `auth` is preferred over `auth-int` (docs/opensips-behaviour.md §10).
   */
  qop?: DigestQop;
}

/** Every field of the Authorization / Proxy-Authorization header (RFC 7616 §3.4, RFC 3261 §25.1 `credentials`). */
export interface DigestCredentials {
  readonly scheme: "Digest";
  /** The username as sent: H(username ":" realm) when `userhash` is true. */
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly opaque?: string;
  readonly qop?: DigestQop;
  readonly nc?: number;
  readonly cnonce?: string;
  /** request-digest, lowercase hex. */
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  /** RFC 7616 §3.4.4: the username field carries the hashed username. */
  readonly userhash: boolean;
}

function notAString(field: string): DigestError {
  return new DigestError("bad-input", `${field} must be a string`);
}

interface KeptHa2 {
  readonly algorithm: DigestAlgorithm;
  readonly method: string;
  readonly ha2: string;
  /** `:auth:<HA2>`, the response input's end with qop=auth (flat, built once). */
  readonly authTail: string;
}

const HA2 = new Map<string, KeptHa2>();

/**
 * HA2 = H(method ":" uri) without auth-int: the same for every request of a registrar (the registrant's digest-uri is
 * the registrar), so it is kept (per uri, at most 256) instead of hashed again for each of a million records. Keyed by
 * the uri string itself: the caller passes the same string object each time, so the lookup builds no key.
 */
function requestHash(algorithm: DigestAlgorithm, method: string, uri: string): KeptHa2 {
  const kept = HA2.get(uri);
  if (kept !== undefined && kept.algorithm === algorithm && kept.method === method) return kept;
  const ha2 = hashHex(algorithm, `${method}:${uri}`);
  const entry: KeptHa2 = { algorithm, method, ha2, authTail: [":auth:", ha2].join("") };
  if (HA2.size >= 256) HA2.clear();
  HA2.set(uri, entry);
  return entry;
}

/** `:<nc>:` for the first counts (a refresh reuses its nonce with nc 2, 3, …), built once. */
const NC_PARTS: readonly string[] = Array.from({ length: 256 }, (_, nc) => `:${nc.toString(16).padStart(8, "0")}:`);

/** `:<realm>:` per realm (HA1's input around the realm), flat; bounded. */
const REALM_PARTS = new Map<string, string>();

function realmPart(realm: string): string {
  let part = REALM_PARTS.get(realm);
  if (part === undefined) {
    part = [":", realm, ":"].join("");
    if (REALM_PARTS.size >= 256) REALM_PARTS.clear();
    REALM_PARTS.set(realm, part);
  }
  return part;
}

/** HA1 given directly: `0x` + exactly the algorithm's hex length of hex digits (docs/opensips-behaviour.md §10). */
function precomputedHa1(password: string, algorithm: DigestAlgorithm): string | undefined {
  const length = digestHexLength(algorithm);
  if (password.length !== length + 2 || password[0] !== "0" || password[1] !== "x") return undefined;
  for (let i = 2; i < password.length; i++) {
    const c = password.charCodeAt(i) | 0x20; // fold A-F to a-f
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  }
  // Upper-case hex would make every later hash differ; OpenSIPS only recognises lower case, uacreg folds it.
  return password.slice(2).toLowerCase();
}

function chooseQop(challenge: DigestChallenge, requested: DigestQop | undefined): DigestQop | undefined {
  if (requested !== undefined) {
    if (!challenge.qop.includes(requested)) {
      throw new DigestError("bad-input", `qop ${requested} was not offered by the challenge`);
    }
    return requested;
  }
  if (challenge.qop.includes("auth")) return "auth";
  if (challenge.qop.includes("auth-int")) return "auth-int";
  return undefined;
}

/**
 * What one computation yields besides the challenge's own fields, filled in place by {@link computeInto}: one object
 * reused by every call (an answer is computed for every authenticated REGISTER; nothing outlives the call but the
 * strings the caller keeps).
 */
interface Computed {
  qop: DigestQop | undefined;
  /** The username as sent (hashed with userhash). */
  username: string;
  response: string;
}

const COMPUTED: Computed = { qop: undefined, username: "", response: "" };

/**
 * Parts of a hash input, joined into one flat string: a template literal would build a chain of cons strings first.
 * The fixed text is merged with the values many answers share (`:<nc>:`, `:auth:<HA2>`, `:<realm>:`), so the join's
 * temporary copy of the slots is short (docs/performance.md, "Core and digest").
 */
const RESPONSE_INPUT: string[] = ["", ":", "", "", "", ""];

/** H(HA1 ":" nonce nc-part cnonce tail), nc-part = `:nc:`, tail = `:qop:HA2`. */
function responseHash(
  algorithm: DigestAlgorithm,
  ha1: string,
  nonce: string,
  ncPart: string,
  cnonce: string,
  tail: string,
): string {
  const p = RESPONSE_INPUT;
  p[0] = ha1;
  p[2] = nonce;
  p[3] = ncPart;
  p[4] = cnonce;
  p[5] = tail;
  const joined = p.join("");
  // HA1 is as good as the password: not kept past the call.
  p[0] = p[2] = p[3] = p[4] = p[5] = "";
  return hashHex(algorithm, joined);
}

/** Parts of H(username ":" realm ":" password). */
const HA1_INPUT: string[] = ["", "", ""];

function ha1Hash(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  HA1_INPUT[0] = username;
  HA1_INPUT[1] = realmPart(realm);
  HA1_INPUT[2] = password;
  const joined = HA1_INPUT.join("");
  // The password is not kept past the call.
  HA1_INPUT[0] = HA1_INPUT[2] = "";
  return hashHex(algorithm, joined);
}

/**
 * Checks the input and computes the response (RFC 7616 §3.4.1–§3.4.4, RFC 2617 §3.2.2, RFC 3261 §22.4) into `out`:
 * - HA1 = H(username ":" realm ":" password), or the `0x` HA1; for -sess, HA1 = H(HA1 ":" nonce ":" cnonce);
 * - HA2 = H(method ":" uri), or for auth-int H(method ":" uri ":" H(body)) with the request's body;
 * - response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), or H(HA1 ":" nonce ":" HA2) without qop
 *   (RFC 2069 mode).
 */
function computeInto(input: DigestCredentialsInput, out: Computed): void {
  const { challenge, username, password, method, uri } = input;
  if (challenge === null || typeof challenge !== "object" || challenge.scheme !== "Digest") {
    throw new DigestError("bad-input", "challenge must be a Digest challenge");
  }
  // No array of pairs per call: this runs for every authenticated REGISTER.
  if (typeof username !== "string") throw notAString("username");
  if (typeof password !== "string") throw notAString("password");
  if (typeof method !== "string") throw notAString("method");
  if (typeof uri !== "string") throw notAString("uri");
  if (method === "" || /* method is a token */ method.includes(" ") || method.includes(":")) {
    throw new DigestError("bad-input", "method must be a non-empty token");
  }
  if (uri === "") throw new DigestError("bad-input", "uri must not be empty");
  assertHeaderSafe("username", username);
  assertHeaderSafe("method", method);
  assertHeaderSafe("uri", uri);
  assertHeaderSafe("realm", challenge.realm);
  const nonce = input.nonce ?? challenge.nonce;
  if (typeof nonce !== "string") throw notAString("nonce");
  assertHeaderSafe("nonce", nonce);
  if (challenge.opaque !== undefined) assertHeaderSafe("opaque", challenge.opaque);

  const algorithm = challenge.algorithm;
  const qop = chooseQop(challenge, input.qop);
  if (isSessionAlgorithm(algorithm) && qop === undefined) {
    throw new DigestError("unsupported-algorithm", `${algorithm} without qop is not supported (no cnonce)`);
  }
  let ncHex = "";
  if (qop !== undefined) {
    ncHex = formatNonceCount(input.nc);
    if (typeof input.cnonce !== "string" || input.cnonce === "") {
      throw new DigestError("bad-input", "cnonce must be a non-empty string");
    }
    assertHeaderSafe("cnonce", input.cnonce);
  }
  if (input.body !== undefined && !(input.body instanceof Uint8Array)) {
    throw new DigestError("bad-input", "body must be a Uint8Array");
  }

  const realm = challenge.realm;
  const cnonce = input.cnonce;
  let ha1 = precomputedHa1(password, algorithm) ?? ha1Hash(algorithm, username, realm, password);
  if (isSessionAlgorithm(algorithm)) ha1 = hashHex(algorithm, `${ha1}:${nonce}:${cnonce}`);

  const kept = qop === "auth-int" ? undefined : requestHash(algorithm, method, uri);
  const ha2 =
    kept === undefined
      ? hashHex(algorithm, `${method}:${uri}:${hashHex(algorithm, input.body ?? new Uint8Array(0))}`)
      : kept.ha2;

  if (qop === undefined) out.response = hashHex(algorithm, `${ha1}:${nonce}:${ha2}`);
  else {
    const nc = input.nc;
    const ncPart = nc < NC_PARTS.length ? (NC_PARTS[nc] as string) : `:${ncHex}:`;
    const tail = kept !== undefined && qop === "auth" ? kept.authTail : `:${qop}:${ha2}`;
    out.response = responseHash(algorithm, ha1, nonce, ncPart, cnonce, tail);
  }
  out.qop = qop;
  out.username = challenge.userhash ? hashHex(algorithm, `${username}:${realm}`) : username;
}

/** The fields {@link computeCredentialsInto} writes: every {@link DigestCredentials} field but the fixed `scheme`. */
export interface DigestCredentialsTarget {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  opaque: string | undefined;
  qop: DigestQop | undefined;
  nc: number | undefined;
  cnonce: string | undefined;
  response: string;
  algorithm: DigestAlgorithm;
  userhash: boolean;
}

/**
 * {@link computeCredentials} into an object of the caller's (e.g. a request's credentials, so one answer is one
 * object): every field is written, the absent ones (`opaque`, and `qop`, `nc`, `cnonce` without qop) as undefined.
 * Same checks and errors; on an error `out` is left unchanged.
 */
export function computeCredentialsInto(input: DigestCredentialsInput, out: DigestCredentialsTarget): void {
  const computed = COMPUTED;
  computeInto(input, computed);
  const challenge = input.challenge;
  out.username = computed.username;
  out.realm = challenge.realm;
  out.nonce = input.nonce ?? challenge.nonce;
  out.uri = input.uri;
  out.opaque = challenge.opaque;
  const qop = computed.qop;
  out.qop = qop;
  out.nc = qop === undefined ? undefined : input.nc;
  out.cnonce = qop === undefined ? undefined : input.cnonce;
  out.response = computed.response;
  out.algorithm = challenge.algorithm;
  out.userhash = challenge.userhash;
}

/**
 * Computes the digest response (see {@link computeInto} for the formulas). Strings are hashed as UTF-8. Throws
 * DigestError `unsupported-algorithm` for -sess without qop and `bad-input` for unusable input; error messages never
 * contain the password.
 */
export function computeCredentials(input: DigestCredentialsInput): DigestCredentials {
  const out = COMPUTED;
  computeInto(input, out);
  const challenge = input.challenge;
  if (out.qop !== undefined && challenge.opaque !== undefined) {
    // The common answer (qop and opaque, as Kamailio and OpenSIPS challenge): one literal with every field in the
    // order below, so the object is built in one allocation; adding four fields to the 8-field literal grows a
    // separate property array twice (~70 bytes more per authenticated REGISTER).
    return {
      scheme: "Digest",
      username: out.username,
      realm: challenge.realm,
      nonce: input.nonce ?? challenge.nonce,
      uri: input.uri,
      response: out.response,
      algorithm: challenge.algorithm,
      userhash: challenge.userhash,
      opaque: challenge.opaque,
      qop: out.qop,
      nc: input.nc,
      cnonce: input.cnonce,
    };
  }
  const credentials: { -readonly [K in keyof DigestCredentials]: DigestCredentials[K] } = {
    scheme: "Digest",
    username: out.username,
    realm: challenge.realm,
    nonce: input.nonce ?? challenge.nonce,
    uri: input.uri,
    response: out.response,
    algorithm: challenge.algorithm,
    userhash: challenge.userhash,
  };
  if (challenge.opaque !== undefined) credentials.opaque = challenge.opaque;
  if (out.qop !== undefined) {
    credentials.qop = out.qop;
    credentials.nc = input.nc;
    credentials.cnonce = input.cnonce;
  }
  return credentials;
}
