import { timingSafeEqual } from "node:crypto";
import { type DigestChallenge, computeCredentials, parseAuthParams } from "@uacreg/digest";

/** The server side of RFC 7616 Digest (MD5, qop=auth) for the demo registrar. */
export interface NonceState {
  issuedAt: number;
  /** Highest nonce count accepted so far (0 = none): a request must use a higher one (RFC 7616 §3.4, replay). */
  lastNc: number;
}

/** The outcome of checking one Authorization header. */
export type DigestVerdict =
  | { ok: true; username: string }
  /** No Digest credentials for our realm: challenge. */
  | { ok: false; reason: "missing" }
  /** The nonce is unknown to us or too old: challenge again with stale=true (RFC 7616 §3.3). */
  | { ok: false; reason: "stale"; username: string }
  /** Wrong password, unknown user, wrong uri, replayed nc, malformed credentials. */
  | { ok: false; reason: "rejected"; username?: string };

export interface DigestVerifierOptions {
  realm: string;
  /** username → password. */
  users: ReadonlyMap<string, string>;
  /** How long a nonce stays usable (ms); within it, a client may reuse it with a higher nc (preemptive auth). */
  nonceLifetimeMs: number;
  /** At most this many live nonces are remembered; the oldest go first. */
  maxNonces: number;
}

/**
 * Issues nonces and checks credentials against them. Nonces are random (from the caller) and remembered in memory,
 * so a restart invalidates them (the client then gets stale=true and re-authenticates).
 */
export class DigestVerifier {
  private readonly nonces = new Map<string, NonceState>();
  private readonly opts: DigestVerifierOptions;

  constructor(opts: DigestVerifierOptions) {
    this.opts = opts;
  }

  /** A WWW-Authenticate value with a fresh nonce (RFC 7616 §3.3; algorithm MD5, qop="auth"). */
  challenge(nonce: string, now: number, stale = false): string {
    this.prune(now);
    this.nonces.set(nonce, { issuedAt: now, lastNc: 0 });
    return (
      `Digest realm="${this.opts.realm}", nonce="${nonce}", qop="auth", algorithm=MD5` + (stale ? ", stale=true" : "")
    );
  }

  /** Live nonces (for tests and stats). */
  get nonceCount(): number {
    return this.nonces.size;
  }

  /**
   * Checks the Authorization values of a request (RFC 7616 §3.4, RFC 3261 §22.4): the one for our realm must be
   * Digest with algorithm MD5 (or none), qop=auth, a nonce we issued and that is still fresh, an nc above the last
   * one accepted for that nonce, and the right response for the digest-uri it names.
   */
  verify(authorizations: readonly string[], method: string, now: number): DigestVerdict {
    let params: Map<string, string> | undefined;
    for (const value of authorizations) {
      const p = digestParams(value);
      if (p && p.get("realm") === this.opts.realm) {
        params = p;
        break;
      }
    }
    if (!params) return { ok: false, reason: "missing" };
    const username = params.get("username");
    const nonce = params.get("nonce");
    const uri = params.get("uri");
    const response = params.get("response");
    const cnonce = params.get("cnonce");
    const ncText = params.get("nc");
    const qop = params.get("qop");
    const algorithm = params.get("algorithm") ?? "MD5";
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return { ok: false, reason: "rejected", ...(username !== undefined ? { username } : {}) };
    }
    if (algorithm.toUpperCase() !== "MD5" || qop !== "auth" || cnonce === undefined || ncText === undefined) {
      return { ok: false, reason: "rejected", username };
    }
    if (!/^[0-9a-fA-F]{8}$/.test(ncText)) return { ok: false, reason: "rejected", username };
    const nc = Number.parseInt(ncText, 16);
    const password = this.opts.users.get(username);
    // The digest-uri is not compared with the Request-URI (RFC 7616 §3.4.6 leaves it to the server): Kamailio and
    // OpenSIPS do not compare it by default, and SIPp's UAC puts the remote address there.
    if (password === undefined) return { ok: false, reason: "rejected", username };

    const state = this.nonces.get(nonce);
    const opaque = params.get("opaque");
    const challenge: DigestChallenge = {
      scheme: "Digest",
      realm: this.opts.realm,
      nonce,
      ...(opaque !== undefined ? { opaque } : {}),
      stale: false,
      algorithm: "MD5",
      qop: ["auth"],
      userhash: false,
    };
    let expected: string;
    try {
      expected = computeCredentials({ challenge, username, password, method, uri, nc, cnonce }).response;
    } catch {
      return { ok: false, reason: "rejected", username };
    }
    const given = Buffer.from(response.toLowerCase(), "latin1");
    const want = Buffer.from(expected, "latin1");
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      return { ok: false, reason: "rejected", username };
    }
    // The response is right: only now does the nonce's freshness matter (RFC 7616 §3.3 stale).
    if (!state || now - state.issuedAt > this.opts.nonceLifetimeMs) return { ok: false, reason: "stale", username };
    if (nc <= state.lastNc) return { ok: false, reason: "rejected", username };
    state.lastNc = nc;
    return { ok: true, username };
  }

  private prune(now: number): void {
    for (const [nonce, state] of this.nonces) {
      // Map iteration is insertion order: the oldest come first.
      if (now - state.issuedAt > this.opts.nonceLifetimeMs || this.nonces.size >= this.opts.maxNonces) {
        this.nonces.delete(nonce);
      } else break;
    }
  }
}

/** The parameters of a `Digest …` credentials value, or undefined if it is not Digest or does not parse. */
function digestParams(value: string): Map<string, string> | undefined {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) return undefined;
  try {
    const out = new Map<string, string>();
    for (const p of parseAuthParams(value.slice(m[0].length))) if (!out.has(p.name)) out.set(p.name, p.value);
    return out;
  } catch {
    return undefined;
  }
}
