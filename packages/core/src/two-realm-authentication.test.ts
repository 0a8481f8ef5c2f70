import { computeCredentials, parseChallenges, scanAuthenticateHeader } from "@uacreg/digest";
import { describe, expect, it } from "vitest";
import { step } from "./registrant-machine.js";
import type { SendAction } from "./registrant-action.js";
import { RegistrantState } from "./registrant-state.js";
import { ok, reach, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, headerOf, onlySend } from "./test-support/registrant-fixtures.js";

const NOW = 1000;
const PROXY_407 =
  'Proxy-Authenticate: Digest realm="proxy.test", nonce="p1nonce", opaque="opaque-p", qop="auth", algorithm=MD5';

/** The digest parameters of an Authorization / Proxy-Authorization value. */
function paramsOf(value: string | undefined): Map<string, string> {
  const raw = scanAuthenticateHeader(value ?? "", 0).challenges[0];
  return new Map((raw?.params ?? []).map((p) => [p.name, p.value]));
}

/** Recomputes the response with the test account's password (an independent check of the digest). */
function verifies(value: string | undefined, challengeHeader: string, uri: string): boolean {
  const p = paramsOf(value);
  const challenge = parseChallenges([challengeHeader.slice(challengeHeader.indexOf(":") + 1).trim()])[0];
  if (challenge === undefined) return false;
  const expected = computeCredentials({
    challenge,
    username: p.get("username") ?? "",
    password: "secret",
    method: "REGISTER",
    uri,
    nc: Number.parseInt(p.get("nc") ?? "0", 16),
    cnonce: p.get("cnonce") ?? "",
  });
  return expected.response === p.get("response");
}

function headerLines(send: SendAction): string[] {
  return send.request.headers.split("\r\n").filter((l) => /^(Proxy-)?Authorization:/.test(l));
}

describe("a 407 from a proxy, then a 401 from the registrar (RFC 3261 §22.3, two realms)", () => {
  it("answers the 401 with both credentials, then registers", () => {
    const ctx = context({ preemptiveAuth: false });
    const r = reach(RegistrantState.REGISTERING, ctx, { password: "secret" });
    const s1 = step(r, response(r, 407, "Proxy Authentication Required", [PROXY_407]), NOW, ctx);
    expect(s1.record.state).toBe(RegistrantState.AUTHENTICATING);
    expect(headerLines(onlySend(s1)).map((l) => l.split(":")[0])).toEqual(["Proxy-Authorization"]);

    const s2 = step(s1.record, response(s1.record, 401, "Unauthorized", [CHALLENGE_401]), NOW, ctx);
    expect(s2.record.state).toBe(RegistrantState.AUTHENTICATING);
    const third = onlySend(s2);
    // The wire shape of the third REGISTER: same Call-ID, CSeq 3, Proxy-Authorization kept (nc 2), Authorization added.
    expect(third.request.callId).toBe(r.callId);
    expect(third.request.cseq).toBe(3);
    expect(headerLines(third).map((l) => l.split(":")[0])).toEqual(["Proxy-Authorization", "Authorization"]);
    const proxy = headerOf(third, "Proxy-Authorization");
    const registrar = headerOf(third, "Authorization");
    expect(paramsOf(proxy).get("realm")).toBe("proxy.test");
    expect(paramsOf(proxy).get("nc")).toBe("00000002");
    expect(paramsOf(registrar).get("realm")).toBe("reg.test");
    expect(paramsOf(registrar).get("nc")).toBe("00000001");
    expect(verifies(proxy, PROXY_407, r.config.registrar)).toBe(true);
    expect(verifies(registrar, CHALLENGE_401, r.config.registrar)).toBe(true);

    const done = step(s2.record, ok(s2.record), NOW, ctx);
    expect(done.record.state).toBe(RegistrantState.REGISTERED);
  });

  it("with preemptive auth the refresh carries both credentials at once", () => {
    const ctx = context({ preemptiveAuth: true });
    const r = reach(RegistrantState.REGISTERING, ctx, { password: "secret" });
    const s1 = step(r, response(r, 407, "Proxy Authentication Required", [PROXY_407]), NOW, ctx);
    const s2 = step(s1.record, response(s1.record, 401, "Unauthorized", [CHALLENGE_401]), NOW, ctx);
    const registered = step(s2.record, ok(s2.record), NOW, ctx).record;
    const refresh = onlySend(step(registered, { type: "visit" }, NOW + 100, ctx));
    expect(headerLines(refresh).map((l) => l.split(":")[0])).toEqual(["Proxy-Authorization", "Authorization"]);
    expect(paramsOf(headerOf(refresh, "Proxy-Authorization")).get("nc")).toBe("00000003");
    expect(paramsOf(headerOf(refresh, "Authorization")).get("nc")).toBe("00000002");
  });

  it("the same realm challenged again (not stale) is still WRONG_CREDENTIALS", () => {
    const ctx = context({ preemptiveAuth: false });
    const r = reach(RegistrantState.REGISTERING, ctx, { password: "secret" });
    const s1 = step(r, response(r, 407, "Proxy Authentication Required", [PROXY_407]), NOW, ctx);
    const s2 = step(s1.record, response(s1.record, 401, "Unauthorized", [CHALLENGE_401]), NOW, ctx);
    const s3 = step(s2.record, response(s2.record, 401, "Unauthorized", [CHALLENGE_401]), NOW, ctx);
    expect(s3.record.state).toBe(RegistrantState.WRONG_CREDENTIALS);
  });
});
