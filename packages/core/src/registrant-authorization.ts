import {
  computeCredentials,
  type DigestChallenge,
  DigestError,
  type DigestQop,
  formatAuthorization,
  newCnonce,
} from "@uacreg/digest";
import type { RandomBytes } from "./core-params.js";
import type { RequestCredentials } from "./register-request.js";
import type { RegistrantConfig } from "./registrant-config.js";
import { intern, ownCopy } from "./shared-strings.js";

/**
 * Digest credentials for the registrant (reference §5 "401 / 407", §10; decisions.md: random cnonce, nc counted per
 * nonce, optional preemptive authentication). Method REGISTER, digest uri = the registrar string verbatim (§4.1).
 */

/** The last challenge answered, kept for preemptive authentication (RFC 7616 §3.4: nonce reuse with nc+1). */
export interface AuthCache {
  readonly challenge: DigestChallenge;
  /** 401 → Authorization, 407 → Proxy-Authorization (RFC 3261 §22.2, §22.3). */
  readonly header: RequestCredentials["header"];
  /** The last nonce count sent with this nonce. */
  readonly nc: number;
}

/** The header a challenge of this status is answered with. */
export function credentialsHeader(status: number): RequestCredentials["header"] {
  return status === 407 ? "Proxy-Authorization" : "Authorization";
}

/**
 * Credentials for `challenge` with nonce count `nc` and a fresh random cnonce. Throws DigestError (e.g. an algorithm
 * that cannot be answered); the caller maps it to a state.
 */
export function credentialsFor(
  config: RegistrantConfig,
  challenge: DigestChallenge,
  header: RequestCredentials["header"],
  nc: number,
  random: RandomBytes,
): { credentials: RequestCredentials; cache: AuthCache } {
  const creds = computeCredentials({
    challenge,
    username: config.username ?? "",
    password: config.password ?? "",
    method: "REGISTER",
    uri: config.registrar,
    nc,
    cnonce: newCnonce(random),
  });
  return { credentials: { header, value: formatAuthorization(creds) }, cache: { challenge, header, nc } };
}

const QOP_LISTS = new Map<string, ReadonlyArray<DigestQop>>();
const CHALLENGES = new Map<string, DigestChallenge>();
const CHALLENGE_LIMIT = 1024;

/**
 * The challenge as the cache keeps it, possibly for hours: equal challenges (same registrar, same nonce) are one shared
 * object, and its strings are own copies. A parsed challenge's realm and nonce are slices of the received header
 * value (keeping the whole message alive) and its qop list is an array with spare capacity; a million cached
 * challenges of that shape cost hundreds of megabytes. Bounded: past {@link CHALLENGE_LIMIT} distinct challenges the
 * table starts again (sharing lost, never correctness). nc stays per record ({@link AuthCache.nc}).
 */
export function keptChallenge(c: DigestChallenge): DigestChallenge {
  const qopKey = c.qop.join(",");
  const key = `${c.realm}\u0000${c.nonce}\u0000${c.opaque ?? "\u0001"}\u0000${c.algorithm}\u0000${qopKey}\u0000${
    c.stale
  }\u0000${c.userhash}\u0000${c.domain ?? "\u0001"}\u0000${c.charset ?? "\u0001"}`;
  const hit = CHALLENGES.get(key);
  if (hit !== undefined) return hit;
  let qop = QOP_LISTS.get(qopKey);
  if (qop === undefined) {
    qop = Object.freeze([...c.qop]);
    if (QOP_LISTS.size < 16) QOP_LISTS.set(qopKey, qop);
  }
  // One literal with every field (absent ones undefined): the fields stay inside the object, no property array.
  const kept: DigestChallenge = {
    scheme: "Digest",
    realm: intern(c.realm),
    nonce: ownCopy(c.nonce),
    opaque: c.opaque === undefined ? undefined : intern(c.opaque),
    stale: c.stale,
    algorithm: c.algorithm,
    qop,
    domain: c.domain === undefined ? undefined : intern(c.domain),
    userhash: c.userhash,
    charset: c.charset === undefined ? undefined : intern(c.charset),
  };
  if (CHALLENGES.size >= CHALLENGE_LIMIT) CHALLENGES.clear();
  CHALLENGES.set(key, kept);
  return kept;
}

/**
 * Preemptive credentials from the cached challenge (nc + 1), or undefined when there is nothing to reuse or the
 * computation is refused; the request then goes out without credentials, as in OpenSIPS.
 */
export function preemptiveCredentials(
  config: RegistrantConfig,
  cache: AuthCache | undefined,
  random: RandomBytes,
): { credentials: RequestCredentials; cache: AuthCache } | undefined {
  if (cache === undefined || !config.hasCredentials) return undefined;
  try {
    return credentialsFor(config, cache.challenge, cache.header, cache.nc + 1, random);
  } catch (e) {
    if (e instanceof DigestError) return undefined;
    throw e;
  }
}

/**
 * RFC 7616 §3.5: `Authentication-Info: nextnonce="…"` in a 2xx tells the client which nonce to use next; the count
 * restarts. Returns the cache unchanged when there is no nextnonce.
 */
export function applyAuthenticationInfo(
  cache: AuthCache | undefined,
  value: string | undefined,
): AuthCache | undefined {
  if (cache === undefined || value === undefined) return cache;
  const m = /(?:^|,)\s*nextnonce\s*=\s*"([^"]*)"/i.exec(value);
  if (m === null || m[1] === undefined || m[1] === "") return cache;
  return { challenge: keptChallenge({ ...cache.challenge, nonce: m[1], stale: false }), header: cache.header, nc: 0 };
}
