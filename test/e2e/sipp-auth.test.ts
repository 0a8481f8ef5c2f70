/**
 * uacregd against SIPp registrars that challenge: 401 (WWW-Authenticate, verified by SIPp's verifyauth) with the
 * REGISTER in the shape of the OpenSIPS captures, 407 from an outbound proxy (Proxy-Authorization, recomputed here),
 * a 401 without qop, a 401 offering several challenges, and the whole exchange over IPv6. Each case runs its own
 * daemon and its own SIPp on OS-chosen loopback ports, concurrently.
 */
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { registers, headerNames, cseq, sentStatuses, SLACK_S, startRegistrar, startDaemon } from "./sipp-support.js";
import { checkDigestResponse } from "../support/digest-check.js";
import { stopAllSipp } from "../support/sipp.js";
import { rawHeader, UdpSipPeer } from "../support/udp-sip-peer.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

describe.concurrent("uacregd against SIPp: digest authentication", () => {
  it("401 → authenticated REGISTER → 200: REGISTERED with the granted expiry, REGISTER in the capture's shape", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-401-ok.xml", keys: { expires: 120 }, timeoutS: 40 }, t);
    const launched = Date.now();
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })],
        registrant: { preemptive_auth: true },
      },
      t,
    );
    const ready = Date.now();
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    const rec = list[0]!;
    // The operator sees the expiry the registrar granted (120), not the one asked for (60).
    expect(rec).toMatchObject({
      AOR: "sip:alice@reg.test",
      state: "REGISTERED_STATE",
      enabled: "yes",
      expires: 120,
      registrar: `sip:127.0.0.1:${sipp.port}`,
      binding: "sip:alice@127.0.0.1:5099",
      dst_IP: "IPv4",
      ip: "127.0.0.1",
    });
    expect(rec.registration_t_out).not.toBe("Thu Jan  1 00:00:00 1970");
    expect(JSON.stringify(list)).not.toContain("secret");
    // Debug-level logs included: the password is nowhere.
    expect(d.logs().join("\n")).not.toContain("secret");

    const r = await sipp.waitExit(10_000);
    // 0: SIPp's verifyauth accepted the Authorization (wrong credentials would get 403 and fail the call).
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([401, 200]);
    const [first, second] = registers(r.messages);
    expect(first && second).toBeTruthy();
    // First visit of the record's bucket: one period floor(T/H) = 5 s after start, at most one walk (10 s). The
    // daemon started somewhere between the spawn and its MI answering.
    expect((first!.time - launched) / 1000).toBeGreaterThanOrEqual(5 - SLACK_S);
    expect((first!.time - ready) / 1000).toBeLessThanOrEqual(10 + SLACK_S);
    for (const m of [first!, second!]) {
      expect(m.startLine).toBe(`REGISTER sip:127.0.0.1:${sipp.port} SIP/2.0`);
      const names = headerNames(m);
      const expected = [
        "via",
        "to",
        "from",
        "cseq",
        "call-id",
        "max-forwards",
        "content-length",
        "user-agent",
        "contact",
      ];
      expect(names.slice(0, expected.length)).toEqual(expected);
      expect(m.header("Via")).toMatch(
        new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${d.sipPort};branch=z9hG4bK[^;]+;rport$`),
      );
      expect(m.header("To")).toBe("<sip:alice@reg.test>");
      expect(m.header("From")).toMatch(/^<sip:alice@reg\.test>;tag=\S+$/);
      expect(m.header("Max-Forwards")).toBe("70");
      expect(m.header("Content-Length")).toBe("0");
      expect(m.header("User-Agent")).toMatch(/^uacreg\/\S+/);
      expect(m.header("Contact")).toBe("<sip:alice@127.0.0.1:5099>;expires=60");
    }
    expect(headerNames(first!)).not.toContain("authorization");
    expect(headerNames(second!).at(-1)).toBe("authorization");
    // The auth retry keeps Call-ID and From tag, CSeq + 1, and is a new transaction (new branch).
    expect(second!.header("Call-ID")).toBe(first!.header("Call-ID"));
    expect(second!.header("From")).toBe(first!.header("From"));
    expect(cseq(second!)).toBe(cseq(first!) + 1);
    expect(second!.header("Via")).not.toBe(first!.header("Via"));
    const auth = second!.header("Authorization")!;
    expect(auth).toMatch(/^Digest /);
    const check = checkDigestResponse(auth, { password: "secret" });
    expect(check.ok).toBe(true);
    expect(check.params).toMatchObject({
      username: "alice",
      realm: "reg.test",
      uri: `sip:127.0.0.1:${sipp.port}`,
      opaque: "opaque-a401a",
      qop: "auth",
      nc: "00000001",
      algorithm: "MD5",
    });
    await d.stop();
  });

  it("407 from an outbound proxy: Proxy-Authorization, Request-URI = registrar string, no Route, third-party From", async (t) => {
    const proxy = await startRegistrar({ scenario: "reg-407-proxy.xml", keys: { expires: 60 }, timeoutS: 40 }, t);
    const d = await startDaemon(
      {
        rows: [
          registrantRow({
            registrar: "sip:reg.test",
            proxy: `sip:127.0.0.1:${proxy.port}`,
            third_party_registrant: "sip:bob@thirdparty.test",
            username: "bob",
            password: "bobsecret",
          }),
        ],
      },
      t,
    );
    // Before the first visit (one period after start): nothing sent, epoch times, no socket or destination yet.
    const idle = (await d.list())[0]!;
    expect(idle).toMatchObject({
      state: "NOT_REGISTERED_STATE",
      enabled: "yes",
      last_register_sent: "Thu Jan  1 00:00:00 1970",
      registration_t_out: "Thu Jan  1 00:00:00 1970",
    });
    expect(idle).not.toHaveProperty("dst_IP");
    expect(idle).not.toHaveProperty("socket");
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({
      AOR: "sip:alice@reg.test",
      expires: 60,
      registrar: "sip:reg.test",
      third_party_registrant: "sip:bob@thirdparty.test",
      proxy: `sip:127.0.0.1:${proxy.port}`,
      ip: "127.0.0.1",
    });
    expect(JSON.stringify(list)).not.toContain("bobsecret");
    expect(d.logs().join("\n")).not.toContain("bobsecret");

    const r = await proxy.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([407, 200]);
    const [first, second] = registers(r.messages);
    for (const m of [first!, second!]) {
      // reg.test is never resolved: the request went to the proxy, addressed to the registrar string verbatim.
      expect(m.startLine).toBe("REGISTER sip:reg.test SIP/2.0");
      expect(headerNames(m)).not.toContain("route");
      expect(m.header("To")).toBe("<sip:alice@reg.test>");
      expect(m.header("From")).toMatch(/^<sip:bob@thirdparty\.test>;tag=\S+$/);
    }
    expect(headerNames(first!)).not.toContain("proxy-authorization");
    expect(headerNames(second!)).not.toContain("authorization");
    expect(headerNames(second!).at(-1)).toBe("proxy-authorization");
    expect(second!.header("Call-ID")).toBe(first!.header("Call-ID"));
    expect(cseq(second!)).toBe(cseq(first!) + 1);
    const check = checkDigestResponse(second!.header("Proxy-Authorization")!, { password: "bobsecret" });
    expect(check.ok).toBe(true);
    expect(check.params).toMatchObject({
      username: "bob",
      realm: "proxy.test",
      uri: "sip:reg.test",
      qop: "auth",
      algorithm: "MD5",
    });
    expect(check.params.opaque).toBeUndefined();
    await d.stop();
  });

  it("401 without qop (RFC 2617 §3.2.2 compatibility): credentials without qop, nc, cnonce, verified → REGISTERED", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-401-noqop.xml", timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })] }, t);
    await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([401, 200]);
    const check = checkDigestResponse(registers(r.messages)[1]!.header("Authorization")!, { password: "secret" });
    expect(check.ok).toBe(true);
    expect(check.params.qop).toBeUndefined();
    expect(check.params.nc).toBeUndefined();
    expect(check.params.cnonce).toBeUndefined();
    expect(check.params.opaque).toBeUndefined();
    await d.stop();
  });

  it("several challenges (Basic, Digest SHA-256, Digest MD5): the first one supported, SHA-256, is answered", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-401-multi.xml", timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })] }, t);
    await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    const auth = registers(r.messages)[1]!.header("Authorization")!;
    expect(registers(r.messages)[1]!.headers("Authorization")).toHaveLength(1);
    const check = checkDigestResponse(auth, { password: "secret" });
    expect(check.ok).toBe(true);
    expect(check.params).toMatchObject({ algorithm: "SHA-256", realm: "reg.test", qop: "auth" });
    expect(check.params.nonce).toMatch(/^nmultiSHA256/);
    await d.stop();
  });

  it("over IPv6 loopback: Via [::1] with rport, reg_list pins dst_IP IPv6 / ip ::1", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", host: "::1", maxCalls: 3, timeoutS: 40 }, t);
    const port = await freePort("::1");
    const d = await startDaemon(
      {
        rows: [
          registrantRow({
            registrar: `sip:[::1]:${sipp.port}`,
            binding_URI: "sip:alice@[::1]:5099",
            username: null,
            password: null,
          }),
        ],
        listen: [`udp:[::1]:${port}`],
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ expires: 60, dst_IP: "IPv6", ip: "::1", binding: "sip:alice@[::1]:5099" });
    const r = await sipp.stop();
    const reg = registers(r.messages)[0]!;
    expect(reg.startLine).toBe(`REGISTER sip:[::1]:${sipp.port} SIP/2.0`);
    expect(reg.header("Via")).toMatch(new RegExp(`^SIP/2\\.0/UDP \\[::1\\]:${port};branch=z9hG4bK[^;]+;rport$`));
    expect(reg.header("Contact")).toBe("<sip:alice@[::1]:5099>;expires=60");
    await d.stop();
  });

  it("401 from an outbound proxy (capture h): third-party credentials for uri sip:reg.test, verified by SIPp", async (t) => {
    const proxy = await startRegistrar(
      {
        scenario: "reg-401-ok.xml",
        keys: { user: "bob", password: "bobsecret" },
        timeoutS: 40,
      },
      t,
    );
    const d = await startDaemon(
      {
        rows: [
          registrantRow({
            registrar: "sip:reg.test",
            proxy: `sip:127.0.0.1:${proxy.port}`,
            third_party_registrant: "sip:bob@thirdparty.test",
            username: "bob",
            password: "bobsecret",
          }),
        ],
      },
      t,
    );
    await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    const r = await proxy.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    const retry = registers(r.messages)[1]!;
    expect(retry.startLine).toBe("REGISTER sip:reg.test SIP/2.0");
    expect(headerNames(retry)).not.toContain("route");
    expect(retry.header("From")).toMatch(/^<sip:bob@thirdparty\.test>;tag=/);
    expect(checkDigestResponse(retry.header("Authorization")!, { password: "bobsecret" }).params).toMatchObject({
      username: "bob",
      uri: "sip:reg.test",
      realm: "reg.test",
    });
    await d.stop();
  });

  it("401 with its WWW-Authenticate folded over several lines and loosely spaced: answered → REGISTERED (UdpSipPeer)", async (t) => {
    // SIPp strips the leading whitespace of every line it sends, so it cannot fold a header: a hand-written peer does.
    const peer = await UdpSipPeer.open();
    try {
      const d = await startDaemon(
        {
          rows: [registrantRow({ registrar: `sip:127.0.0.1:${peer.port}`, username: "alice", password: "secret" })],
        },
        t,
      );
      const nextRegister = async (pred: (m: string) => boolean): Promise<string> => {
        for (;;) {
          const m = await peer.next(15_000);
          if (m === undefined) throw new Error("no REGISTER came");
          if (m.startsWith("REGISTER ") && pred(m)) return m;
        }
      };
      const reply = (req: string, status: string, extra: string[]) =>
        [
          `SIP/2.0 ${status}`,
          `Via: ${rawHeader(req, "Via")}`,
          `From: ${rawHeader(req, "From")}`,
          `To: ${rawHeader(req, "To")};tag=fold1`,
          `Call-ID: ${rawHeader(req, "Call-ID")}`,
          `CSeq: ${rawHeader(req, "CSeq")}`,
          ...extra,
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
      const first = await nextRegister(() => true);
      await peer.send(
        reply(first, "401 Unauthorized", [
          'WWW-Authenticate: Digest realm = "reg.test" ,',
          '  nonce="nfold00000000000000000000000001",',
          '\topaque="op-fold" , qop="auth" , algorithm=MD5',
        ]),
        d.sipPort,
      );
      const second = await nextRegister((m) => rawHeader(m, "Authorization") !== undefined);
      const check = checkDigestResponse(rawHeader(second, "Authorization")!, { password: "secret" });
      expect(check.ok).toBe(true);
      expect(check.params).toMatchObject({
        realm: "reg.test",
        nonce: "nfold00000000000000000000000001",
        opaque: "op-fold",
      });
      await peer.send(reply(second, "200 OK", [`Contact: ${rawHeader(second, "Contact")}`]), d.sipPort);
      const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 5_000);
      expect(list[0]!.expires).toBe(60);
      await d.stop();
    } finally {
      await peer.close();
    }
  });
});
