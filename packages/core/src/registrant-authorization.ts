import {
  type DigestChallenge,
  type DigestCredentialsInput,
  DigestError,
  type DigestQop,
  newCnonce,
} from "@uacreg/digest";
import type { RandomBytes } from "./core-params.js";
import { DigestAnswer } from "./digest-answer.js";
import type { RequestCredentials } from "./register-request.js";
import type { RegistrantConfig } from "./registrant-config.js";
import { intern, ownCopy } from "./shared-strings.js";

/**
 * Digest credentials for the registrant (docs/opensips-behaviour.md §5 "401 / 407", §10; docs/decisions.md: random cnonce, nc counted per
 * nonce, optional preemptive authentication). Method REGISTER, digest uri = the registrar string verbatim (§4.1).
 */

/** The last challenge answered, kept for preemptive authentication (RFC 7616 §3.4: nonce reuse with nc+1). */
export interface AuthCache {
  readonly challenge: DigestChallenge;
  /** 401 → Authorization, 407 → Proxy-Authorization (RFC 3261 §22.2, §22.3). */
  readonly header: RequestCredentials["header"];
  /** The last nonce count sent with this nonce. */
  readonly nc: number;
  /**
   * The cache for the other header, when one request answered two realms (a proxy's 407 and the registrar's 401,
   * RFC 3261 §22.3); its credentials go first.
   */
  readonly other?: AuthCache | undefined;
}

/** Credentials for one request: one set, or two (the other realm's first). */
export type AnswerCredentials = RequestCredentials | readonly RequestCredentials[];

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
  return { credentials: answer(config, challenge, header, nc, random), cache: keptAuth(challenge, header, nc) };
}

/**
 * The input of every answer, one object filled in place (a refresh with preemptive credentials computes one answer;
 * digest reads the object during the call and keeps nothing of it). The password is cleared after each use.
 */
const INPUT: DigestCredentialsInput = {
  challenge: { scheme: "Digest", realm: "", nonce: "", stale: false, algorithm: "MD5", qop: [], userhash: false },
  username: "",
  password: "",
  method: "REGISTER",
  uri: "",
  nc: 1,
  cnonce: "",
};

function answer(
  config: RegistrantConfig,
  challenge: DigestChallenge,
  header: RequestCredentials["header"],
  nc: number,
  random: RandomBytes,
  nonce?: string,
): RequestCredentials {
  const input = INPUT;
  input.challenge = challenge;
  input.nonce = nonce;
  input.username = config.username ?? "";
  input.password = config.password ?? "";
  input.uri = config.registrar;
  input.nc = nc;
  input.cnonce = newCnonce(random);
  try {
    // Computed (and checked) now, formatted when the request is built.
    return new DigestAnswer(header, input);
  } finally {
    input.password = "";
  }
}

/**
 * The cache as a record keeps it, possibly for hours, at a million records: the challenge's parts other than the
 * nonce (realm, opaque, algorithm, qop …) are one object shared by every record challenged alike, the nonce is an own
 * flat copy (shared too while equal nonces keep coming), and `nc` is per record. `challenge` is rebuilt from the two
 * when read. A parsed challenge kept as is would hold slices of the received header (keeping the whole message
 * alive) and a qop array with spare capacity: hundreds of megabytes at that scale.
 */
class KeptAuth implements AuthCache {
  /** The shared challenge parts with the count and the header (see {@link countedBase}). */
  readonly #counted: CountedBase;

  constructor(
    /** Shared; its own `nonce` is whichever came first. */
    base: DigestChallenge,
    readonly nonce: string,
    header: RequestCredentials["header"],
    nc: number,
  ) {
    this.#counted = countedBase(base, nc * 2 + (header === "Proxy-Authorization" ? 1 : 0));
  }

  /** Shared; its own `nonce` is whichever came first. */
  get base(): DigestChallenge {
    return this.#counted.base;
  }

  get header(): RequestCredentials["header"] {
    return this.#counted.ncHeader % 2 === 1 ? "Proxy-Authorization" : "Authorization";
  }

  get nc(): number {
    return Math.floor(this.#counted.ncHeader / 2);
  }

  /** One realm: none (the two-realm case is {@link KeptAuthPair}, so a one-realm cache has no field for it). */
  get other(): AuthCache | undefined {
    return undefined;
  }

  get challenge(): DigestChallenge {
    return this.base.nonce === this.nonce ? this.base : { ...this.base, nonce: this.nonce };
  }
}

/** A shared challenge base with a nonce count and header: `ncHeader` is `nc * 2`, plus 1 for Proxy-Authorization. */
interface CountedBase {
  readonly base: DigestChallenge;
  readonly ncHeader: number;
}

/** Per shared base, its {@link CountedBase} objects by `ncHeader` (below {@link SHARED_COUNTS}). */
const COUNTED = new WeakMap<DigestChallenge, (CountedBase | undefined)[]>();
const SHARED_COUNTS = 512;

/**
 * The base and count a cache keeps, one frozen object for every cache of that base at that count and header: records
 * challenged alike move through the same counts (nc 1, 2, 3 … per refresh), so a cache is `{ counted, nonce }`, 40
 * bytes, where it held the count itself (48; core README "Memory per record"). A count of 256 and more (a nonce kept
 * for 256 refreshes) gets an object of its own.
 */
function countedBase(base: DigestChallenge, ncHeader: number): CountedBase {
  if (ncHeader >= SHARED_COUNTS) return { base, ncHeader };
  let list = COUNTED.get(base);
  if (list === undefined) {
    list = [];
    COUNTED.set(base, list);
  }
  let counted = list[ncHeader];
  if (counted === undefined) {
    counted = Object.freeze({ base, ncHeader });
    while (list.length < ncHeader) list.push(undefined);
    list[ncHeader] = counted;
  }
  return counted;
}

/** A cache that also keeps the other realm's (RFC 3261 §22.3: a proxy's 407 and the registrar's 401). */
class KeptAuthPair extends KeptAuth {
  readonly #other: AuthCache;

  constructor(
    base: DigestChallenge,
    nonce: string,
    header: RequestCredentials["header"],
    nc: number,
    other: AuthCache,
  ) {
    super(base, nonce, header, nc);
    this.#other = other;
  }

  override get other(): AuthCache {
    return this.#other;
  }
}

/** The cache object for these parts: the two-realm class only when there is another realm. */
function kept(
  base: DigestChallenge,
  nonce: string,
  header: RequestCredentials["header"],
  nc: number,
  other: AuthCache | undefined,
): KeptAuth {
  return other === undefined ? new KeptAuth(base, nonce, header, nc) : new KeptAuthPair(base, nonce, header, nc, other);
}

const QOP_LISTS = new Map<string, ReadonlyArray<DigestQop>>();
const BASES = new Map<string, DigestChallenge>();
const NONCES = new Map<string, string>();
const LIMIT = 1024;

/** The cache entry for `challenge` (see {@link KeptAuth}). Bounded tables: past 1024 entries they start again. */
export function keptAuth(
  c: DigestChallenge,
  header: RequestCredentials["header"],
  nc: number,
  other?: AuthCache,
): AuthCache {
  // The last shared base matches nearly always (one registrar's challenges differ only in their nonce): compared
  // field by field, no key text built per challenge.
  const last = lastBase;
  if (last !== undefined && sameBase(last, c)) return kept(last, keptNonce(c.nonce), header, nc, other);
  const qopKey = c.qop.join(",");
  const key = `${c.realm}\u0000${c.opaque ?? "\u0001"}\u0000${c.algorithm}\u0000${qopKey}\u0000${c.stale}\u0000${
    c.userhash
  }\u0000${c.domain ?? "\u0001"}\u0000${c.charset ?? "\u0001"}`;
  const nonce = keptNonce(c.nonce);
  let base = BASES.get(key);
  if (base === undefined) {
    let qop = QOP_LISTS.get(qopKey);
    if (qop === undefined) {
      qop = Object.freeze([...c.qop]);
      if (QOP_LISTS.size < 16) QOP_LISTS.set(qopKey, qop);
    }
    // One literal with every field (absent ones undefined): the fields stay inside the object, no property array.
    base = {
      scheme: "Digest",
      realm: intern(c.realm),
      nonce,
      opaque: c.opaque === undefined ? undefined : intern(c.opaque),
      stale: c.stale,
      algorithm: c.algorithm,
      qop,
      domain: c.domain === undefined ? undefined : intern(c.domain),
      userhash: c.userhash,
      charset: c.charset === undefined ? undefined : intern(c.charset),
    };
    if (BASES.size >= LIMIT) BASES.clear();
    BASES.set(key, base);
  }
  lastBase = base;
  return kept(base, nonce, header, nc, other);
}

/** The base {@link keptAuth} returned last. */
let lastBase: DigestChallenge | undefined;

/** Whether `c` has the same fields as `base`, the nonce aside (what {@link keptAuth}'s key text holds). */
function sameBase(base: DigestChallenge, c: DigestChallenge): boolean {
  if (
    base.realm !== c.realm ||
    base.opaque !== c.opaque ||
    base.algorithm !== c.algorithm ||
    base.stale !== c.stale ||
    base.userhash !== c.userhash ||
    base.domain !== c.domain ||
    base.charset !== c.charset ||
    base.qop.length !== c.qop.length
  ) {
    return false;
  }
  for (let i = 0; i < c.qop.length; i++) if (base.qop[i] !== c.qop[i]) return false;
  return true;
}

/** The nonce as a cache keeps it: an own flat copy, shared while equal nonces keep coming. */
function keptNonce(received: string): string {
  let nonce = NONCES.get(received);
  if (nonce === undefined) {
    nonce = ownCopy(received);
    if (NONCES.size >= LIMIT) NONCES.clear();
    NONCES.set(nonce, nonce);
  }
  return nonce;
}

/** Credentials to send and the cache to keep with them. */
interface Answered {
  credentials: AnswerCredentials;
  cache: AuthCache;
}

/**
 * The one-realm result of {@link preemptiveCredentials}, one object filled in place (a refresh computes one; the
 * caller reads both fields at once): no result object per refresh.
 */
const PREEMPTIVE: Answered = { credentials: { header: "Authorization", value: "" }, cache: keptAuthPlaceholder() };

function keptAuthPlaceholder(): AuthCache {
  return new KeptAuth(
    { scheme: "Digest", realm: "", nonce: "", stale: false, algorithm: "MD5", qop: [], userhash: false },
    "",
    "Authorization",
    0,
  );
}

/**
 * Preemptive credentials from the cached challenge (nc + 1), or undefined when there is nothing to reuse or the
 * computation is refused; the request then goes out without credentials, as in OpenSIPS. The result is valid until
 * the next call (read its two fields at once).
 */
export function preemptiveCredentials(
  config: RegistrantConfig,
  cache: AuthCache | undefined,
  random: RandomBytes,
): { readonly credentials: AnswerCredentials; readonly cache: AuthCache } | undefined {
  if (cache === undefined || !config.hasCredentials) return undefined;
  const main = preemptiveOne(config, cache, random);
  if (main === undefined) return undefined;
  if (cache.other === undefined) {
    PREEMPTIVE.credentials = main;
    PREEMPTIVE.cache = nextCache(cache, cache.nc + 1, undefined);
    return PREEMPTIVE;
  }
  const other = preemptiveOne(config, cache.other, random);
  const mainCache = nextCache(cache, cache.nc + 1, cache.other);
  if (other === undefined) return { credentials: main, cache: mainCache };
  const otherCache = nextCache(cache.other, cache.other.nc + 1, undefined);
  const next =
    cache instanceof KeptAuth
      ? kept(cache.base, cache.nonce, cache.header, mainCache.nc, otherCache)
      : keptAuth(cache.challenge, cache.header, mainCache.nc, otherCache);
  return { credentials: [other, main], cache: next };
}

/** The cache after answering with `nc` (the same challenge and nonce), keeping `other`. */
function nextCache(cache: AuthCache, nc: number, other: AuthCache | undefined): AuthCache {
  return cache instanceof KeptAuth
    ? kept(cache.base, cache.nonce, cache.header, nc, other)
    : keptAuth(cache.challenge, cache.header, nc, other);
}

/** The answer to the cached challenge with nc + 1, or undefined when digest refuses it (DigestError). */
function preemptiveOne(
  config: RegistrantConfig,
  cache: AuthCache,
  random: RandomBytes,
): RequestCredentials | undefined {
  const nc = cache.nc + 1;
  try {
    // A kept cache answers with the shared challenge and its own nonce: no challenge copy per refresh.
    return cache instanceof KeptAuth
      ? answer(config, cache.base, cache.header, nc, random, cache.nonce)
      : answer(config, cache.challenge, cache.header, nc, random);
  } catch (e) {
    if (e instanceof DigestError) return undefined;
    throw e;
  }
}

/**
 * The cache entry of the request in flight for the header other than `header`, if that request answered a challenge
 * of the other kind (a 407 answered, now a 401, or the reverse): its realm is kept (RFC 3261 §22.3).
 */
export function otherRealm(cache: AuthCache | undefined, header: RequestCredentials["header"]): AuthCache | undefined {
  if (cache === undefined) return undefined;
  if (cache.header !== header) return cache.other === undefined ? cache : withoutOther(cache);
  return cache.other !== undefined && cache.other.header !== header ? cache.other : undefined;
}

function withoutOther(cache: AuthCache): AuthCache {
  return cache instanceof KeptAuth
    ? kept(cache.base, cache.nonce, cache.header, cache.nc, undefined)
    : keptAuth(cache.challenge, cache.header, cache.nc);
}

/**
 * The answer to `challenge` (nonce count 1) that also keeps `kept`, the other realm's credentials of the request in
 * flight, with its nonce count + 1 (RFC 3261 §22.3): both headers go out, the kept one first. Without `kept`, or if it
 * cannot be recomputed, only the new answer. Throws DigestError for an unusable `challenge`.
 */
export function answerKeeping(
  config: RegistrantConfig,
  challenge: DigestChallenge,
  header: RequestCredentials["header"],
  kept: AuthCache | undefined,
  random: RandomBytes,
): { credentials: AnswerCredentials; cache: AuthCache } {
  const fresh = answer(config, challenge, header, 1, random);
  const again = kept === undefined ? undefined : preemptiveOne(config, kept, random);
  if (kept === undefined || again === undefined) return { credentials: fresh, cache: keptAuth(challenge, header, 1) };
  return {
    credentials: [again, fresh],
    cache: keptAuth(challenge, header, 1, nextCache(kept, kept.nc + 1, undefined)),
  };
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
  return keptAuth({ ...cache.challenge, nonce: m[1], stale: false }, cache.header, 0, cache.other);
}
