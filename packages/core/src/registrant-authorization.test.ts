import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keptAuth } from "./registrant-authorization.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { ok, reach, response } from "./test-support/registrant-driver.js";
import { context, headerOf, onlySend } from "./test-support/registrant-fixtures.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

function digestParams(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of value.replace(/^Digest\s+/, "").matchAll(/([a-z]+)=("([^"]*)"|[^,\s]+)/g)) {
    map.set(m[1] as string, m[3] ?? (m[2] as string));
  }
  return map;
}

/** The Authorization params of the REGISTER a visit at `now` sends. */
function refreshAuth(r: RegistrantRecord, now: number, ctx: ReturnType<typeof context>) {
  const s = step(r, { type: "visit" }, now, ctx);
  return { record: s.record, auth: digestParams(headerOf(onlySend(s), "Authorization") ?? "") };
}

/** RFC 7616 §3.4.1 response for qop=auth, user alice / secret, digest-uri = the captures' registrar. */
function expectedResponse(p: Map<string, string>): string {
  const ha1 = md5(`alice:${p.get("realm")}:secret`);
  const ha2 = md5(`REGISTER:${p.get("uri")}`);
  return md5(`${ha1}:${p.get("nonce")}:${p.get("nc")}:${p.get("cnonce")}:auth:${ha2}`);
}

describe("the preemptive-auth cache (decisions: nc per nonce, RFC 7616 §3.4, §3.5)", () => {
  const challenge = (nonce: string) =>
    `WWW-Authenticate: Digest realm="reg.test", nonce="${nonce}", opaque="op-1", qop="auth", algorithm=MD5`;

  function registered(ctx: ReturnType<typeof context>, nonce: string, extra: string[] = []): RegistrantRecord {
    let r = reach(1, ctx);
    r = step(r, response(r, 401, "Unauthorized", [challenge(nonce)]), 100, ctx).record;
    return step(r, response(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=60`, ...extra]), 100, ctx).record;
  }

  it("records challenged alike keep their own nonce count; the cached challenge reads back whole", () => {
    const ctx = context({ preemptiveAuth: true });
    const a = registered(ctx, "shared-nonce");
    const b = registered(ctx, "shared-nonce");
    expect(a.auth?.challenge).toMatchObject({
      realm: "reg.test",
      nonce: "shared-nonce",
      opaque: "op-1",
      qop: ["auth"],
    });
    const a2 = refreshAuth(a, 200, ctx);
    const a3 = refreshAuth(step(a2.record, ok(a2.record), 200, ctx).record, 300, ctx);
    const b2 = refreshAuth(b, 200, ctx);
    expect([a2.auth.get("nc"), a3.auth.get("nc"), b2.auth.get("nc")]).toEqual(["00000002", "00000003", "00000002"]);
    for (const p of [a2.auth, a3.auth, b2.auth]) {
      expect(p.get("nonce")).toBe("shared-nonce");
      expect(p.get("opaque")).toBe("op-1");
      expect(p.get("response")).toBe(expectedResponse(p));
    }
  });

  it("a record keeps its own nonce when others were challenged with other nonces", () => {
    const ctx = context({ preemptiveAuth: true });
    const records = ["n-1", "n-2", "n-3"].map((n) => registered(ctx, n));
    records.forEach((r, i) => {
      const { auth } = refreshAuth(r, 200, ctx);
      expect(auth.get("nonce")).toBe(`n-${i + 1}`);
      expect(auth.get("nc")).toBe("00000002");
      expect(auth.get("response")).toBe(expectedResponse(auth));
    });
  });

  it("Authentication-Info nextnonce in the 2xx switches the next request to that nonce, nc from 1", () => {
    const ctx = context({ preemptiveAuth: true });
    const r = registered(ctx, "old-nonce", ['Authentication-Info: nextnonce="next-nonce", qop=auth']);
    expect(r.auth?.challenge.nonce).toBe("next-nonce");
    const { auth } = refreshAuth(r, 200, ctx);
    expect(auth.get("nonce")).toBe("next-nonce");
    expect(auth.get("nc")).toBe("00000001");
    expect(auth.get("response")).toBe(expectedResponse(auth));
  });
});

describe("the kept challenge: count and header per cache, whatever the sharing behind them", () => {
  const challenge = {
    scheme: "Digest" as const,
    realm: "reg.test",
    nonce: "n-1",
    stale: false,
    algorithm: "MD5" as const,
    qop: ["auth" as const],
    userhash: false,
  };

  it("keeps each cache's nonce count and header, low counts and counts past 255 alike", () => {
    const caches = [1, 2, 255, 256, 300, 100_000].flatMap((nc) => [
      [nc, keptAuth({ ...challenge, nonce: `n-${nc}` }, "Authorization", nc)] as const,
      [nc, keptAuth({ ...challenge, nonce: `p-${nc}` }, "Proxy-Authorization", nc)] as const,
    ]);
    for (const [nc, cache] of caches) expect(cache.nc).toBe(nc);
    expect(caches.map(([, c]) => c.header)).toEqual(
      caches.map((_, i) => (i % 2 === 0 ? "Authorization" : "Proxy-Authorization")),
    );
    expect(caches.map(([, c]) => c.challenge.nonce)).toEqual(
      caches.map(([nc], i) => `${i % 2 === 0 ? "n" : "p"}-${nc}`),
    );
    expect(caches[0]?.[1].challenge.realm).toBe("reg.test");
  });
});
