/**
 * Recomputes a logged Authorization / Proxy-Authorization response, for the cases SIPp cannot verify itself
 * (Proxy-Authorization, SHA-256) — RFC 7616 §3.4.1, computed with @uacreg/digest from the header's own parameters.
 */
import { algorithmFromToken, computeCredentials, type DigestChallenge, parseAuthParams } from "@uacreg/digest";

export interface DigestCheck {
  /** True when the response matches the password. */
  ok: boolean;
  /** The header's parameters (lower-case names, unquoted values). */
  params: Record<string, string>;
  /** What the response should have been. */
  expected: string;
}

/**
 * Checks one credentials header value (`Digest username="…", …`) against a password. `method` is the request's
 * method (REGISTER). Throws if the value is not Digest or lacks a field the computation needs.
 */
export function checkDigestResponse(value: string, opts: { password: string; method?: string }): DigestCheck {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) throw new Error(`not Digest credentials: ${value.slice(0, 40)}`);
  const params: Record<string, string> = {};
  for (const p of parseAuthParams(value.slice(m[0].length))) params[p.name] ??= p.value;
  const need = (name: string): string => {
    const v = params[name];
    if (v === undefined) throw new Error(`credentials without ${name}`);
    return v;
  };
  const algorithm = algorithmFromToken(params.algorithm ?? "MD5");
  if (!algorithm) throw new Error(`unsupported algorithm ${params.algorithm}`);
  const qop = params.qop === "auth" || params.qop === "auth-int" ? params.qop : undefined;
  const challenge: DigestChallenge = {
    scheme: "Digest",
    realm: need("realm"),
    nonce: need("nonce"),
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    stale: false,
    algorithm,
    qop: qop ? [qop] : [],
    userhash: false,
  };
  const expected = computeCredentials({
    challenge,
    username: need("username"),
    password: opts.password,
    method: opts.method ?? "REGISTER",
    uri: need("uri"),
    nc: qop ? Number.parseInt(need("nc"), 16) : 1,
    cnonce: qop ? need("cnonce") : "-",
  }).response;
  return { ok: expected === need("response").toLowerCase(), params, expected };
}
