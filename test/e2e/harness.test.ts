/**
 * Checks of the interoperability harness itself (test/support, test/sipp, test/kamailio): every SIPp registrar
 * scenario answers a hand-written REGISTER exchange the way its header comment says, and the Kamailio registrar
 * verifies real digests (MD5 through SIPp's UAC, SHA-256 by hand) and records the binding; the daemon harness
 * starts a daemon again on a fresh port when the one it was given is taken.
 */
import { createHash, randomBytes } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import { startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDigestResponse } from "../support/digest-check.js";
import { type Kamailio, startKamailio, stopAllKamailio } from "../support/kamailio.js";
import { startSipp, stopAllSipp } from "../support/sipp.js";
import { startUacregd, stopAllUacregd } from "../support/uacregd.js";
import { rawHeader, rawStatus, UdpSipPeer } from "../support/udp-sip-peer.js";

afterAll(async () => {
  await stopAllSipp();
  await stopAllKamailio();
  await stopAllUacregd();
});

interface RegisterOpts {
  peer: UdpSipPeer;
  requestUri: string;
  callId: string;
  cseq: number;
  aor?: string;
  contact?: string;
  extra?: string[];
}

function register(o: RegisterOpts): string {
  const aor = o.aor ?? "sip:alice@reg.test";
  return [
    `REGISTER ${o.requestUri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${o.peer.port};branch=z9hG4bK${randomBytes(6).toString("hex")}`,
    `To: <${aor}>`,
    `From: <${aor}>;tag=${o.callId.slice(0, 6)}`,
    `CSeq: ${o.cseq} REGISTER`,
    `Call-ID: ${o.callId}`,
    "Max-Forwards: 70",
    `Contact: ${o.contact ?? `<sip:alice@127.0.0.1:${o.peer.port}>;expires=60`}`,
    ...(o.extra ?? []),
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

/** RFC 7616 §3.4.1 response for qop=auth, computed here independently of @uacreg/digest. */
function authorization(
  challenge: string,
  o: { username: string; password: string; uri: string; header?: string; nc?: number },
): string {
  const param = (name: string) => new RegExp(`${name}="?([^",]+)"?`, "i").exec(challenge)?.[1];
  const algorithm = param("algorithm") ?? "MD5";
  const realm = param("realm") ?? "";
  const nonce = param("nonce") ?? "";
  const opaque = param("opaque");
  const h = (s: string) =>
    createHash(algorithm === "SHA-256" ? "sha256" : "md5")
      .update(s)
      .digest("hex");
  const nc = (o.nc ?? 1).toString(16).padStart(8, "0");
  const cnonce = randomBytes(8).toString("hex");
  const ha1 = h(`${o.username}:${realm}:${o.password}`);
  const ha2 = h(`REGISTER:${o.uri}`);
  const response = h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `${o.header ?? "Authorization"}: Digest username="${o.username}", realm="${realm}", nonce="${nonce}", ` +
    `uri="${o.uri}", response="${response}", algorithm=${algorithm}, cnonce="${cnonce}", qop=auth, nc=${nc}` +
    (opaque ? `, opaque="${opaque}"` : "")
  );
}

const callId = () => randomBytes(8).toString("hex");

describe("SIPp registrar scenarios", () => {
  let peer: UdpSipPeer;
  beforeAll(async () => {
    peer = await UdpSipPeer.open();
  });
  afterAll(async () => {
    await peer.close();
  });

  it("reg-401-ok: 401 (MD5, qop auth, opaque), then 200 with the granted expires for the verified retry", async () => {
    const sipp = await startSipp({ scenario: "reg-401-ok.xml", keys: { expires: 120 }, timeoutS: 15 });
    const uri = `sip:127.0.0.1:${sipp.port}`;
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    expect(rawStatus(r1)).toBe(401);
    const challenge = rawHeader(r1 ?? "", "WWW-Authenticate") ?? "";
    expect(challenge).toMatch(/realm="reg\.test"/);
    expect(challenge).toMatch(/qop="auth"/);
    expect(challenge).toMatch(/opaque="/);
    const auth = authorization(challenge, { username: "alice", password: "secret", uri });
    const r2 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r2)).toBe(200);
    expect(rawHeader(r2 ?? "", "Contact")).toBe(`<sip:alice@127.0.0.1:${peer.port}>;expires=120`);
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(0);
    expect(result.messages.map((m) => m.status ?? m.method)).toEqual(["REGISTER", 401, "REGISTER", 200]);
    expect(result.messages[2]?.header("Authorization")).toContain('username="alice"');
    expect(result.messages[0]?.time).toBeGreaterThan(Date.now() - 20_000);
  });

  it("reg-401-ok: a wrong password gets 403 and SIPp exits with 1", async () => {
    const sipp = await startSipp({ scenario: "reg-401-ok.xml", timeoutS: 15 });
    const uri = `sip:127.0.0.1:${sipp.port}`;
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    const auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
      username: "alice",
      password: "wrong",
      uri,
    });
    const r2 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r2)).toBe(403);
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(1);
  });

  it("reg-407-proxy: 407 with Proxy-Authenticate (realm proxy.test, qop auth), then 200 for Proxy-Authorization", async () => {
    const sipp = await startSipp({ scenario: "reg-407-proxy.xml", timeoutS: 15 });
    const uri = "sip:reg.test";
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    expect(rawStatus(r1)).toBe(407);
    const challenge = rawHeader(r1 ?? "", "Proxy-Authenticate") ?? "";
    expect(challenge).toMatch(/realm="proxy\.test"/);
    expect(challenge).not.toMatch(/opaque|algorithm/);
    const auth = authorization(challenge, {
      username: "alice",
      password: "secret",
      uri,
      header: "Proxy-Authorization",
    });
    const r2 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r2)).toBe(200);
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(0);
    // SIPp cannot verify Proxy-Authorization: the test recomputes it from the log
    const logged = result.messages[2]?.header("Proxy-Authorization") ?? "";
    expect(checkDigestResponse(logged, { password: "secret" }).ok).toBe(true);
    expect(checkDigestResponse(logged, { password: "wrong" }).ok).toBe(false);
  });

  it("reg-407-proxy: a retry without Proxy-Authorization fails the call", async () => {
    const sipp = await startSipp({ scenario: "reg-407-proxy.xml", timeoutS: 15 });
    const cid = callId();
    await peer.request(register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 1 }), sipp.port);
    await peer.request(register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 2 }), sipp.port);
    expect((await sipp.waitExit(10_000)).code).toBe(1);
  });

  it("reg-423: 423 with Min-Expires 600, then 200 with expires=600 for a retry asking 600", async () => {
    const sipp = await startSipp({ scenario: "reg-423.xml", timeoutS: 15 });
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 1 }), sipp.port);
    expect(rawStatus(r1)).toBe(423);
    expect(rawHeader(r1 ?? "", "Min-Expires")).toBe("600");
    const contact = `<sip:alice@127.0.0.1:${peer.port}>;expires=600`;
    const r2 = await peer.request(
      register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 2, contact }),
      sipp.port,
    );
    expect(rawStatus(r2)).toBe(200);
    expect(rawHeader(r2 ?? "", "Contact")).toBe(contact);
    expect((await sipp.waitExit(10_000)).code).toBe(0);
  });

  it("reg-423: a retry still asking for 60 fails the call", async () => {
    const sipp = await startSipp({ scenario: "reg-423.xml", timeoutS: 15 });
    const cid = callId();
    await peer.request(register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 1 }), sipp.port);
    await peer.request(register({ peer, requestUri: "sip:reg.test", callId: cid, cseq: 2 }), sipp.port);
    expect((await sipp.waitExit(10_000)).code).toBe(1);
  });

  it("reg-403: 403 to every new Call-ID, one SIPp call each", async () => {
    const sipp = await startSipp({ scenario: "reg-403.xml", maxCalls: 2, timeoutS: 15 });
    for (let i = 0; i < 2; i++) {
      const r = await peer.request(
        register({ peer, requestUri: "sip:reg.test", callId: callId(), cseq: 1 }),
        sipp.port,
      );
      expect(rawStatus(r)).toBe(403);
    }
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(0);
    expect(result.messages.filter((m) => m.status === 403)).toHaveLength(2);
  });

  it("reg-timeout: never answers, logs retransmissions, and stop() ends it", async () => {
    const sipp = await startSipp({ scenario: "reg-timeout.xml", timeoutS: 30 });
    const req = register({ peer, requestUri: "sip:reg.test", callId: callId(), cseq: 1 });
    expect(await peer.request(req, sipp.port, 300)).toBeUndefined();
    expect(await peer.request(req, sipp.port, 300)).toBeUndefined();
    const result = await sipp.stop();
    expect(result.killed).toBe(true);
    const received = result.messages.filter((m) => m.method === "REGISTER");
    expect(received).toHaveLength(2);
    expect(received[1]!.time - received[0]!.time).toBeGreaterThanOrEqual(250);
    expect(result.messages.some((m) => m.direction === "sent")).toBe(false);
  });

  it("reg-force-single: two bindings in the 200, then expects the wildcard unREGISTER, then a fresh REGISTER", async () => {
    const sipp = await startSipp({ scenario: "reg-force-single.xml", maxCalls: 2, timeoutS: 20 });
    const uri = "sip:reg.test";
    const ours = `<sip:alice@127.0.0.1:${peer.port}>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"`;
    const cid = callId();
    const r1 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 1, contact: `${ours};expires=60` }),
      sipp.port,
    );
    expect(rawStatus(r1)).toBe(401);
    let auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
      username: "alice",
      password: "secret",
      uri,
    });
    const r2 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 2, contact: `${ours};expires=60`, extra: [auth] }),
      sipp.port,
    );
    expect(rawStatus(r2)).toBe(200);
    const contacts = rawHeader(r2 ?? "", "Contact") ?? "";
    expect(contacts).toContain(`${ours};expires=60`);
    expect(contacts).toContain("<sip:stale@192.0.2.99:5060>;expires=300");
    // the wildcard unREGISTER, challenged, then retried with credentials (OpenSIPS uses the single-binding form)
    const r3 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 3, contact: "*", extra: ["Expires: 0"] }),
      sipp.port,
    );
    expect(rawStatus(r3)).toBe(401);
    auth = authorization(rawHeader(r3 ?? "", "WWW-Authenticate") ?? "", { username: "alice", password: "secret", uri });
    const r4 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 4, contact: `${ours};expires=0`, extra: [auth] }),
      sipp.port,
    );
    expect(rawStatus(r4)).toBe(200);
    expect(rawHeader(r4 ?? "", "Contact")).toBeUndefined();
    // a new Call-ID: one binding only
    const cid2 = callId();
    const r5 = await peer.request(
      register({ peer, requestUri: uri, callId: cid2, cseq: 1, contact: `${ours};expires=60` }),
      sipp.port,
    );
    expect(rawStatus(r5)).toBe(401);
    auth = authorization(rawHeader(r5 ?? "", "WWW-Authenticate") ?? "", { username: "alice", password: "secret", uri });
    const r6 = await peer.request(
      register({ peer, requestUri: uri, callId: cid2, cseq: 2, contact: `${ours};expires=60`, extra: [auth] }),
      sipp.port,
    );
    expect(rawStatus(r6)).toBe(200);
    expect(rawHeader(r6 ?? "", "Contact")).toBe(`${ours};expires=60`);
    const result = await sipp.waitExit(10_000);
    expect(result.stderr).not.toMatch(/Failed regexp/);
    expect(result.code).toBe(0);
  });

  it("reg-force-single: an unREGISTER that is not the wildcard form fails the call", async () => {
    const sipp = await startSipp({ scenario: "reg-force-single.xml", maxCalls: 1, timeoutS: 15 });
    const uri = "sip:reg.test";
    const ours = `<sip:alice@127.0.0.1:${peer.port}>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"`;
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1, contact: ours }), sipp.port);
    let auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
      username: "alice",
      password: "secret",
      uri,
    });
    await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 2, contact: ours, extra: [auth] }),
      sipp.port,
    );
    const r3 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 3, contact: `${ours};expires=0` }),
      sipp.port,
    );
    auth = authorization(rawHeader(r3 ?? "", "WWW-Authenticate") ?? "", { username: "alice", password: "secret", uri });
    await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 4, contact: `${ours};expires=0`, extra: [auth] }),
      sipp.port,
      300,
    );
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Failed regexp match/);
  });

  it("reg-disable: 200, then the unREGISTER (expires=0) is challenged and accepted; a later Call-ID registers", async () => {
    const sipp = await startSipp({ scenario: "reg-disable.xml", maxCalls: 2, keys: { expires: 90 }, timeoutS: 20 });
    const uri = "sip:reg.test";
    const binding = `<sip:alice@127.0.0.1:${peer.port}>`;
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    expect(rawStatus(r1)).toBe(401);
    let auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
      username: "alice",
      password: "secret",
      uri,
    });
    const r2 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r2)).toBe(200);
    expect(rawHeader(r2 ?? "", "Contact")).toBe(`${binding};expires=90`);
    const unreg = `${binding};expires=0`;
    const r3 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 3, contact: unreg }), sipp.port);
    expect(rawStatus(r3)).toBe(401);
    auth = authorization(rawHeader(r3 ?? "", "WWW-Authenticate") ?? "", { username: "alice", password: "secret", uri });
    const r4 = await peer.request(
      register({ peer, requestUri: uri, callId: cid, cseq: 4, contact: unreg, extra: [auth] }),
      sipp.port,
    );
    expect(rawStatus(r4)).toBe(200);
    expect(rawHeader(r4 ?? "", "Contact")).toBeUndefined();
    const cid2 = callId();
    const r5 = await peer.request(register({ peer, requestUri: uri, callId: cid2, cseq: 1 }), sipp.port);
    auth = authorization(rawHeader(r5 ?? "", "WWW-Authenticate") ?? "", { username: "alice", password: "secret", uri });
    const r6 = await peer.request(register({ peer, requestUri: uri, callId: cid2, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r6)).toBe(200);
    expect((await sipp.waitExit(10_000)).code).toBe(0);
  });

  it("reg-refresh: accepts a preemptively authenticated refresh, and the log times give the refresh gap", async () => {
    const sipp = await startSipp({ scenario: "reg-refresh.xml", recvTimeoutMs: 5000, timeoutS: 20 });
    const uri = "sip:reg.test";
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    const challenge = rawHeader(r1 ?? "", "WWW-Authenticate") ?? "";
    const auth = authorization(challenge, { username: "alice", password: "secret", uri });
    const r2 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    expect(rawStatus(r2)).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // a gap the log must show
    const again = authorization(challenge, { username: "alice", password: "secret", uri, nc: 2 });
    const r3 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 3, extra: [again] }), sipp.port);
    expect(rawStatus(r3)).toBe(200);
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(0);
    const ok = result.messages.find((m) => m.status === 200);
    const refresh = result.messages.filter((m) => m.method === "REGISTER")[2];
    expect(refresh!.time - ok!.time).toBeGreaterThanOrEqual(290);
  });

  it("reg-200-loop: answers every REGISTER of every Call-ID with 200 echoing its Contact, until stopped", async () => {
    const sipp = await startSipp({ scenario: "reg-200-loop.xml", maxCalls: 100, timeoutS: 20 });
    const uri = "sip:reg.test";
    const cid = callId();
    const contact = `<sip:alice@127.0.0.1:${peer.port}>;expires=60`;
    for (let cseq = 1; cseq <= 3; cseq++) {
      const r = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq, contact }), sipp.port);
      expect(rawStatus(r)).toBe(200);
      expect(rawHeader(r ?? "", "Contact")).toBe(contact);
    }
    const unreg = `<sip:alice@127.0.0.1:${peer.port}>;expires=0`;
    const r4 = await peer.request(
      register({ peer, requestUri: uri, callId: callId(), cseq: 1, contact: unreg }),
      sipp.port,
    );
    expect(rawHeader(r4 ?? "", "Contact")).toBe(unreg);
    const result = await sipp.stop();
    expect(result.messages.filter((m) => m.method === "REGISTER")).toHaveLength(4);
  });

  it("reg-expires-header: 200 with a bare Contact and the expiry in an Expires header", async () => {
    const sipp = await startSipp({ scenario: "reg-expires-header.xml", keys: { expires: 90 }, timeoutS: 15 });
    const r = await peer.request(register({ peer, requestUri: "sip:reg.test", callId: callId(), cseq: 1 }), sipp.port);
    expect(rawStatus(r)).toBe(200);
    expect(rawHeader(r ?? "", "Contact")).toBe(`<sip:alice@127.0.0.1:${peer.port}>`);
    expect(rawHeader(r ?? "", "Expires")).toBe("90");
    expect((await sipp.waitExit(10_000)).code).toBe(0);
  });

  it("reg-expires-only: 200 with an Expires header and no Contact, for every attempt", async () => {
    const sipp = await startSipp({
      scenario: "reg-expires-only.xml",
      maxCalls: 2,
      keys: { expires: 90 },
      timeoutS: 15,
    });
    for (let i = 0; i < 2; i++) {
      const r = await peer.request(
        register({ peer, requestUri: "sip:reg.test", callId: callId(), cseq: 1 }),
        sipp.port,
      );
      expect(rawStatus(r)).toBe(200);
      expect(rawHeader(r ?? "", "Contact")).toBeUndefined();
      expect(rawHeader(r ?? "", "Expires")).toBe("90");
    }
    expect((await sipp.waitExit(10_000)).code).toBe(0);
  });

  it("reg-refresh: a refresh without credentials is challenged with a new nonce, then accepted", async () => {
    const sipp = await startSipp({ scenario: "reg-refresh.xml", timeoutS: 20 });
    const uri = "sip:reg.test";
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    const c1 = rawHeader(r1 ?? "", "WWW-Authenticate") ?? "";
    const a1 = authorization(c1, { username: "alice", password: "secret", uri });
    expect(
      rawStatus(await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [a1] }), sipp.port)),
    ).toBe(200);
    const r3 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 3 }), sipp.port);
    expect(rawStatus(r3)).toBe(401);
    const c2 = rawHeader(r3 ?? "", "WWW-Authenticate") ?? "";
    expect(c2).not.toBe(c1);
    const a2 = authorization(c2, { username: "alice", password: "secret", uri });
    const r4 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 4, extra: [a2] }), sipp.port);
    expect(rawStatus(r4)).toBe(200);
    expect((await sipp.waitExit(10_000)).code).toBe(0);
  });

  it("reg-refresh: a refresh that never comes fails the call (recvTimeoutMs)", async () => {
    const sipp = await startSipp({ scenario: "reg-refresh.xml", recvTimeoutMs: 500, timeoutS: 20 });
    const uri = "sip:reg.test";
    const cid = callId();
    const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1 }), sipp.port);
    const auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
      username: "alice",
      password: "secret",
      uri,
    });
    await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 2, extra: [auth] }), sipp.port);
    const result = await sipp.waitExit(10_000);
    expect(result.code).toBe(1);
    expect(result.killed).toBe(false);
  });
});

describe("Kamailio registrar", () => {
  const subscribers = [{ username: "alice", domain: "reg.test", password: "secret" }];
  let md5: Kamailio;
  let sha256: Kamailio;
  beforeAll(async () => {
    [md5, sha256] = await Promise.all([
      startKamailio({ subscribers, algorithm: "MD5" }),
      startKamailio({ subscribers, algorithm: "SHA-256", minExpires: 30 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([md5?.stop(), sha256?.stop()]);
  });

  it("MD5: SIPp's UAC with the right password gets 200 and its binding shows in locations()", async () => {
    const uac = await startSipp({
      scenario: "uac-register-auth.xml",
      remote: `127.0.0.1:${md5.port}`,
      authUser: "alice",
      authPassword: "secret",
      keys: { expires: 120 },
      timeoutS: 10,
    });
    const result = await uac.waitExit(15_000);
    expect(result.code).toBe(0);
    expect(result.messages.filter((m) => m.status !== undefined).map((m) => m.status)).toEqual([401, 200]);
    expect(result.messages[1]?.header("WWW-Authenticate")).toMatch(/algorithm=MD5/);
    const bindings = await md5.waitForLocations((rows) => rows.some((r) => r.contact.includes(`:${uac.port}`)));
    const ours = bindings.find((r) => r.contact === `sip:alice@127.0.0.1:${uac.port}`);
    expect(ours?.username).toBe("alice");
    expect(ours?.expiresIn).toBeGreaterThan(110);
    expect(ours?.expiresIn).toBeLessThanOrEqual(121);
    expect(JSON.stringify(bindings)).not.toContain("secret");
  });

  it("MD5: a wrong password is challenged again (401) and no binding is added", async () => {
    const before = md5.locations().length;
    const uac = await startSipp({
      scenario: "uac-register-auth.xml",
      remote: `127.0.0.1:${md5.port}`,
      authUser: "alice",
      authPassword: "not-the-password",
      timeoutS: 10,
    });
    const result = await uac.waitExit(15_000);
    expect(result.messages.filter((m) => m.status !== undefined).map((m) => m.status)).toEqual([401, 401]);
    expect(md5.locations().filter((r) => r.contact.includes(`:${uac.port}`))).toHaveLength(0);
    expect(md5.locations()).toHaveLength(before);
  });

  it("SHA-256: challenges with algorithm=SHA-256, accepts a SHA-256 digest, rejects a wrong one", async () => {
    const peer = await UdpSipPeer.open();
    try {
      const uri = "sip:reg.test";
      const cid = callId();
      const contact = `<sip:alice@127.0.0.1:${peer.port}>;expires=300`;
      const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1, contact }), sha256.port);
      expect(rawStatus(r1)).toBe(401);
      const challenge = rawHeader(r1 ?? "", "WWW-Authenticate") ?? "";
      expect(challenge).toMatch(/algorithm=SHA-256/);
      expect(challenge).toMatch(/realm="reg\.test"/);
      const bad = authorization(challenge, { username: "alice", password: "wrong", uri });
      const r2 = await peer.request(
        register({ peer, requestUri: uri, callId: cid, cseq: 2, contact, extra: [bad] }),
        sha256.port,
      );
      expect(rawStatus(r2)).toBe(401);
      const good = authorization(rawHeader(r2 ?? "", "WWW-Authenticate") ?? "", {
        username: "alice",
        password: "secret",
        uri,
      });
      const r3 = await peer.request(
        register({ peer, requestUri: uri, callId: cid, cseq: 3, contact, extra: [good] }),
        sha256.port,
      );
      expect(rawStatus(r3)).toBe(200);
      const rows = sha256.locations("alice");
      expect(rows.map((r) => r.contact)).toContain(`sip:alice@127.0.0.1:${peer.port}`);
      // unREGISTER removes it
      const unreg = authorization(rawHeader(r2 ?? "", "WWW-Authenticate") ?? "", {
        username: "alice",
        password: "secret",
        uri,
        nc: 2,
      });
      const r4 = await peer.request(
        register({
          peer,
          requestUri: uri,
          callId: cid,
          cseq: 4,
          contact: `<sip:alice@127.0.0.1:${peer.port}>;expires=0`,
          extra: [unreg],
        }),
        sha256.port,
      );
      expect(rawStatus(r4)).toBe(200);
      expect(sha256.locations("alice").map((r) => r.contact)).not.toContain(`sip:alice@127.0.0.1:${peer.port}`);
    } finally {
      await peer.close();
    }
  });

  it("answers 423 with Min-Expires below min_expires", async () => {
    const peer = await UdpSipPeer.open();
    try {
      const uri = "sip:reg.test";
      const cid = callId();
      const contact = `<sip:alice@127.0.0.1:${peer.port}>;expires=5`;
      const r1 = await peer.request(register({ peer, requestUri: uri, callId: cid, cseq: 1, contact }), sha256.port);
      const auth = authorization(rawHeader(r1 ?? "", "WWW-Authenticate") ?? "", {
        username: "alice",
        password: "secret",
        uri,
      });
      const r2 = await peer.request(
        register({ peer, requestUri: uri, callId: cid, cseq: 2, contact, extra: [auth] }),
        sha256.port,
      );
      expect(rawStatus(r2)).toBe(423);
      expect(rawHeader(r2 ?? "", "Min-Expires")).toBe("30");
    } finally {
      await peer.close();
    }
  });
});

describe("demo registrar (@uacreg/demo-registrar) against SIPp's UAC", () => {
  it("verifies SIPp's MD5 digest and records the binding", async () => {
    const registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "uacreg.demo", minExpires: 60 });
    try {
      const uac = await startSipp({
        scenario: "uac-register-auth.xml",
        remote: `127.0.0.1:${registrar.port}`,
        authUser: "alice",
        authPassword: "secret",
        keys: { realm: "uacreg.demo", expires: 300 },
        timeoutS: 10,
      });
      const result = await uac.waitExit(15_000);
      expect(result.code).toBe(0);
      expect(result.messages.filter((m) => m.status !== undefined).map((m) => m.status)).toEqual([401, 200]);
      expect(registrar.bindings("sip:alice@uacreg.demo")).toMatchObject([
        { contact: `sip:alice@127.0.0.1:${uac.port}`, expires: 300 },
      ]);
    } finally {
      await registrar.close();
    }
  });
});

describe("the daemon harness (test/support/uacregd.ts)", () => {
  it("listen as a function: a port taken before the bind is retried with a fresh port, not the same one", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const given: number[] = [];
      const d = await startUacregd({
        listen: (p) => {
          given.push(p);
          // The first attempt meets a TCP port another process holds, as a port picked by freePort() can be.
          const tcp = given.length === 1 ? taken : p;
          return [`udp:127.0.0.1:${p}`, `tcp:127.0.0.1:${tcp}`];
        },
      });
      expect(given).toHaveLength(2);
      expect(d.sipPort).toBe(given[1]);
      expect(await d.mi("version")).toBeDefined();
      expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
