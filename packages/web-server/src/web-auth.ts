/**
 * The token rules of docs/web-api.md §1: with `web.token` set, every /api/* (but `POST /api/login`) and /events
 * request carries `Authorization: Bearer <token>` or the `uacreg_session` cookie that `POST /api/login` sets.
 * The cookie holds an HMAC of the token, never the token itself (a stolen cookie does not reveal it, and it stays
 * valid across restarts while the token is unchanged). Comparisons are constant-time over fixed-length digests.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** The session cookie's name. */
export const SESSION_COOKIE = "uacreg_session";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

export class WebAuth {
  readonly #tokenDigest: Buffer | undefined;
  readonly #session: string | undefined;

  constructor(token: string | null | undefined) {
    if (token === null || token === undefined || token === "") return;
    this.#tokenDigest = digest(token);
    this.#session = createHmac("sha256", token).update("uacreg web session v1").digest("base64url");
  }

  /** A token is configured: requests must prove it. */
  get enabled(): boolean {
    return this.#tokenDigest !== undefined;
  }

  /** True when `candidate` is the token (constant time). */
  tokenMatches(candidate: string): boolean {
    if (this.#tokenDigest === undefined) return true;
    return timingSafeEqual(digest(candidate), this.#tokenDigest);
  }

  /**
   * Whether the request carries the bearer token or the session cookie: `ok` (always without a token), `missing`
   * (no credential presented) or `wrong` (one presented and refused: counted by the throttle).
   */
  check(req: IncomingMessage): "ok" | "missing" | "wrong" {
    if (this.#tokenDigest === undefined || this.#session === undefined) return "ok";
    const header = req.headers.authorization;
    let presented = false;
    if (header !== undefined) {
      presented = true;
      const m = /^Bearer +(\S+) *$/i.exec(header);
      if (m && this.tokenMatches(m[1] as string)) return "ok";
    }
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie !== undefined) {
      presented = true;
      if (timingSafeEqual(digest(cookie), digest(this.#session))) return "ok";
    }
    return presented ? "wrong" : "missing";
  }

  /** The `Set-Cookie` value after a successful login (HttpOnly, SameSite=Strict, Path=/; a browser-session cookie). */
  sessionCookie(): string {
    return `${SESSION_COOKIE}=${this.#session ?? ""}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** The `Set-Cookie` value that removes the cookie (`POST /api/logout`). */
  static clearCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }
}

/** The value of cookie `name` in a `Cookie` header, undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The cross-site request check of a state-changing request (docs/web-api.md §1): the body is declared JSON (a
 * cross-site form cannot send that without a CORS preflight, which this server never grants) and an `Origin`
 * header, when present, names this host. Returns the reason for a 403, or undefined when it passes.
 */
export function crossSiteRefusal(req: IncomingMessage): string | undefined {
  const type = req.headers["content-type"];
  if (type === undefined || !/^application\/json\s*(;|$)/i.test(type)) {
    return "state-changing requests must have Content-Type: application/json";
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = req.headers.host;
  if (host === undefined) return "Origin present without Host";
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return "Origin is not a URL";
  }
  return originHost.toLowerCase() === host.toLowerCase() ? undefined : "Origin does not match Host";
}

/**
 * DNS rebinding guard of a server without a token (docs/web-api.md §1): a web page from another site can make its
 * own host name resolve to 127.0.0.1 and then read this API as "same origin"; its requests carry that name in
 * `Host`. Without a token only an IP literal, `localhost` or a `*.localhost` name is accepted. With a token the
 * attacker has no credential, so any host is fine (a reverse proxy's name, for instance).
 */
export function hostRefusal(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (host === undefined) return "no Host header";
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return "bad Host header";
  }
  const bare = name.startsWith("[") ? name.slice(1, -1) : name;
  if (isIP(bare) !== 0 || bare === "localhost" || bare.endsWith(".localhost")) return undefined;
  return `Host ${JSON.stringify(name.slice(0, 64))} is not an address or localhost (set web.token to reach the API by a name)`;
}
