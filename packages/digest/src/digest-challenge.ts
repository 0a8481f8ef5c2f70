import { type AuthParam, type RawChallenge, scanAuthenticateHeader } from "./authenticate-header.js";
import { algorithmFromToken, type DigestAlgorithm, isSessionAlgorithm } from "./digest-algorithm.js";
import { DigestError } from "./digest-error.js";

/** A quality of protection this client implements (RFC 7616 §3.3). */
export type DigestQop = "auth" | "auth-int";

/** One Digest challenge (RFC 7616 §3.3, RFC 3261 §20.44 / §20.27), values unquoted and unescaped. */
export interface DigestChallenge {
  readonly scheme: "Digest";
  readonly realm: string;
  readonly nonce: string;
  /** Present only when the challenge had it; echoed back unchanged (RFC 7616 §3.3). */
  readonly opaque?: string;
  /** `stale=true` (case-insensitive); any other value, or none, is false (RFC 7616 §3.3). Acting on it is the caller's job. */
  readonly stale: boolean;
  /** Canonical name; a missing `algorithm` parameter means MD5 (RFC 7616 §3.3, docs/opensips-behaviour.md §10). */
  readonly algorithm: DigestAlgorithm;
  /** The offered qop values this client supports, in the server's order; empty = RFC 2069 mode (no qop). */
  readonly qop: ReadonlyArray<DigestQop>;
  /** The protection space (RFC 7616 §3.3); kept for the caller, not used by the computation. */
  readonly domain?: string;
  /** `userhash=true` (RFC 7616 §3.4.4): send H(username ":" realm) instead of the username. */
  readonly userhash: boolean;
  /** `charset` as sent (RFC 7616 allows only "UTF-8"); strings are always hashed as UTF-8. */
  readonly charset?: string;
}

const KNOWN_QOP: ReadonlySet<string> = new Set(["auth", "auth-int"]);

function findParam(raw: RawChallenge, name: string): AuthParam | undefined {
  for (const p of raw.params) if (p.name === name) return p;
  return undefined;
}

/** The first parameter name that occurs twice. A challenge has a handful: compared pairwise, no Set per challenge. */
function repeatedName(params: readonly AuthParam[]): string | undefined {
  if (params.length > 16) {
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) return p.name;
      seen.add(p.name);
    }
    return undefined;
  }
  for (let i = 1; i < params.length; i++) {
    const name = (params[i] as AuthParam).name;
    for (let j = 0; j < i; j++) if ((params[j] as AuthParam).name === name) return name;
  }
  return undefined;
}

function malformed(raw: RawChallenge, message: string): DigestError {
  return new DigestError(
    "malformed-challenge",
    `malformed Digest challenge in header value ${raw.headerIndex} at offset ${raw.offset}: ${message}`,
    { headerIndex: raw.headerIndex, offset: raw.offset },
  );
}

/**
 * Checks one scanned challenge against RFC 7616 §3.3 and returns it as a DigestChallenge.
 * Throws DigestError `unsupported-scheme` (not Digest), `malformed-challenge` (token68 form, a repeated parameter,
 * no realm or no nonce) or `unsupported-algorithm` (unknown algorithm, or a qop list with neither auth nor auth-int).
 */
export function interpretChallenge(raw: RawChallenge): DigestChallenge {
  if (raw.scheme.toLowerCase() !== "digest") {
    throw new DigestError("unsupported-scheme", `challenge scheme ${JSON.stringify(raw.scheme)} is not Digest`, {
      headerIndex: raw.headerIndex,
      offset: raw.offset,
    });
  }
  if (raw.token68 !== undefined) throw malformed(raw, "Digest takes auth-params, not a token68");
  // RFC 7235 §2.1: "Each parameter name MUST only occur once per challenge."
  const twice = repeatedName(raw.params);
  if (twice !== undefined) throw malformed(raw, `parameter ${JSON.stringify(twice)} appears twice`);
  const realm = findParam(raw, "realm");
  if (realm === undefined) throw malformed(raw, "no realm");
  const nonce = findParam(raw, "nonce");
  if (nonce === undefined) throw malformed(raw, "no nonce");

  const algorithmParam = findParam(raw, "algorithm");
  const algorithm = algorithmParam === undefined ? "MD5" : algorithmFromToken(algorithmParam.value.trim());
  if (algorithm === undefined) {
    throw new DigestError(
      "unsupported-algorithm",
      `Digest algorithm ${JSON.stringify(algorithmParam?.value)} is not supported`,
      { headerIndex: raw.headerIndex, offset: raw.offset },
    );
  }

  const qop: DigestQop[] = [];
  const qopParam = findParam(raw, "qop");
  if (qopParam !== undefined) {
    // qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT; split by hand, ignore unknown values.
    let sawAny = false;
    for (const item of qopParam.value.split(",")) {
      const token = item.trim().toLowerCase();
      if (token === "") continue;
      sawAny = true;
      if (KNOWN_QOP.has(token) && !qop.includes(token as DigestQop)) qop.push(token as DigestQop);
    }
    if (sawAny && qop.length === 0) {
      // Falling back to RFC 2069 mode here (as OpenSIPS does) would send an answer the server cannot accept.
      throw new DigestError(
        "unsupported-algorithm",
        `Digest qop ${JSON.stringify(qopParam.value)} offers neither auth nor auth-int`,
        { headerIndex: raw.headerIndex, offset: raw.offset },
      );
    }
  }

  const challenge: {
    -readonly [K in keyof DigestChallenge]: DigestChallenge[K];
  } = {
    scheme: "Digest",
    realm: realm.value,
    nonce: nonce.value,
    stale: findParam(raw, "stale")?.value.trim().toLowerCase() === "true",
    algorithm,
    qop,
    userhash: findParam(raw, "userhash")?.value.trim().toLowerCase() === "true",
  };
  const opaque = findParam(raw, "opaque");
  if (opaque !== undefined) challenge.opaque = opaque.value;
  const domain = findParam(raw, "domain");
  if (domain !== undefined) challenge.domain = domain.value;
  const charset = findParam(raw, "charset");
  if (charset !== undefined) challenge.charset = charset.value;
  return challenge;
}

/**
 * Whether this client can answer the challenge: a -sess algorithm needs a cnonce, hence qop (docs/opensips-behaviour.md
 * §10: OpenSIPS crashes on -sess without qop; RFC 7616 §3.4.2 defines -sess only with a cnonce).
 */
export function isAnswerable(challenge: DigestChallenge): boolean {
  return !(isSessionAlgorithm(challenge.algorithm) && challenge.qop.length === 0);
}

function assertHeaderValues(headerValues: readonly string[]): void {
  if (!Array.isArray(headerValues) || headerValues.some((v) => typeof v !== "string")) {
    throw new DigestError("bad-input", "header values must be an array of strings");
  }
}

/**
 * Parses every WWW-Authenticate (for a 401) or Proxy-Authenticate (for a 407) header value, in order, and returns the
 * Digest challenges with a supported algorithm, in header order. Several challenges in one value are split
 * (RFC 7235 §4.1). Challenges of other schemes and Digest challenges with unsupported algorithms are skipped.
 *
 * Strict: throws DigestError `malformed-challenge` on any syntax error or on a Digest challenge without realm/nonce.
 */
export function parseChallenges(headerValues: readonly string[]): DigestChallenge[] {
  assertHeaderValues(headerValues);
  const result: DigestChallenge[] = [];
  headerValues.forEach((value, index) => {
    const scanned = scanAuthenticateHeader(value, index);
    if (scanned.error) throw scanned.error;
    for (const raw of scanned.challenges) {
      try {
        result.push(interpretChallenge(raw));
      } catch (error) {
        if (error instanceof DigestError && error.code !== "malformed-challenge") continue;
        throw error;
      }
    }
  });
  return result;
}

/**
 * Parses the header values and returns the first challenge this client can answer, in header order
 * (docs/opensips-behaviour.md §10).
 *
 * Tolerant where OpenSIPS gives up: a header value with a syntax error contributes the challenges before the error and
 * does not hide later header values. When nothing is usable it throws the most telling DigestError:
 * `malformed-challenge` if something did not parse, else `unsupported-algorithm` if a Digest challenge used an
 * algorithm (or qop / -sess combination) this client lacks, else `unsupported-scheme` if only other schemes were
 * offered, else `no-usable-challenge` (no challenge at all).
 */
export function selectChallenge(headerValues: readonly string[]): DigestChallenge {
  assertHeaderValues(headerValues);
  let firstMalformed: DigestError | undefined;
  let firstUnsupported: DigestError | undefined;
  let firstOtherScheme: DigestError | undefined;
  for (let index = 0; index < headerValues.length; index++) {
    const scanned = scanAuthenticateHeader(headerValues[index] as string, index);
    for (const raw of scanned.challenges) {
      let challenge: DigestChallenge;
      try {
        challenge = interpretChallenge(raw);
      } catch (error) {
        if (!(error instanceof DigestError)) throw error;
        if (error.code === "malformed-challenge") firstMalformed ??= error;
        else if (error.code === "unsupported-algorithm") firstUnsupported ??= error;
        else firstOtherScheme ??= error;
        continue;
      }
      if (isAnswerable(challenge)) return challenge;
      firstUnsupported ??= new DigestError(
        "unsupported-algorithm",
        `Digest algorithm ${challenge.algorithm} without qop is not supported (a -sess HA1 needs a cnonce)`,
        { headerIndex: raw.headerIndex, offset: raw.offset },
      );
    }
    if (scanned.error) firstMalformed ??= scanned.error;
  }
  if (firstMalformed) throw firstMalformed;
  if (firstUnsupported) throw firstUnsupported;
  if (firstOtherScheme) throw firstOtherScheme;
  throw new DigestError("no-usable-challenge", "no challenge was offered");
}
