import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DnsZone } from "./dns-lookup.js";
import { DnsResolver, type Target } from "./rfc3263-resolver.js";
import { SipTransport } from "./sip-transport.js";
import { type LoopbackDnsServer, startDnsServer } from "./test-support/dns-server.js";
import { echoResponse, register, type UdpPeer, udpPeer } from "./test-support/udp-peer.js";

/**
 * RFC 3263 resolution end to end: node:dns (c-ares) asks a real authoritative DNS server on 127.0.0.1 (test support),
 * and the transport sends over real loopback sockets. A silent name is waited for by c-ares' own timeout (kept short
 * with `timeoutMs`/`tries`); the tests themselves never sleep and assert no elapsed time.
 */
const short = (ts: Target[]) => ts.map((t) => `${t.proto}:${t.address}:${t.port}`);

const zone: DnsZone = {
  naptr: {
    "refused.test": [],
    "silent.test": [],
  },
  srv: {
    "_sip._udp.refused.test": [{ priority: 10, weight: 0, port: 5070, name: "host1.test" }],
    "_sip._udp.silent.test": [{ priority: 10, weight: 0, port: 5071, name: "host1.test" }],
    "_sip._udp.order.test": [
      { priority: 20, weight: 0, port: 5092, name: "backup.test" },
      { priority: 10, weight: 1, port: 5090, name: "host1.test" },
      { priority: 10, weight: 3, port: 5091, name: "host2.test" },
    ],
    "_sip._udp.srvfail.test": [{ priority: 10, weight: 0, port: 5070, name: "host1.test" }],
  },
  a: {
    "host1.test": ["127.0.0.11"],
    "host2.test": ["127.0.0.12"],
    "backup.test": ["127.0.0.13"],
    "dual.test": ["127.0.0.14"],
    "v4only.test": ["127.0.0.15"],
    "srvfail.test": ["127.0.0.16"],
    "held.test": ["127.0.0.1"],
  },
  aaaa: {
    "dual.test": ["2001:db8::14"],
    "v6only.test": ["2001:db8::15"],
  },
  ttl: 60,
};

let dns: LoopbackDnsServer;
const open: Array<{ close(): Promise<void> }> = [];
beforeEach(async () => {
  dns = await startDnsServer(zone);
  open.push(dns);
});
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/**
 * node:dns on the loopback server only (no getaddrinfo fallback), one try per query. The timeout is generous (a busy
 * machine must not turn an answer into a timeout); the test of a silent server passes a short one.
 */
function resolver(opts: { random?: () => number; timeoutMs?: number } = {}) {
  return new DnsResolver({ servers: [dns.server], systemLookup: false, timeoutMs: 2000, tries: 1, ...opts });
}

describe("RFC 3263 over a real DNS server: optional queries that fail", () => {
  it("follows NAPTR → SRV → A as served by the DNS server", async () => {
    expect(short(await resolver().resolve("sip:refused.test"))).toEqual(["udp:127.0.0.11:5070"]);
    expect(dns.questions.map((q) => `${q.type} ${q.name}`).slice(0, 2)).toEqual([
      "naptr refused.test",
      "srv _sip._udp.refused.test",
    ]);
  });

  it("a REFUSED NAPTR counts as no NAPTR: SRV then A still resolve", async () => {
    dns.behave("refused.test", "naptr", "refused");
    expect(short(await resolver().resolve("sip:refused.test"))).toEqual(["udp:127.0.0.11:5070"]);
    expect(dns.questions[0]).toEqual({ name: "refused.test", type: "naptr" });
  });

  it("a SERVFAIL NAPTR counts as no NAPTR", async () => {
    dns.behave("refused.test", "naptr", "servfail");
    expect(short(await resolver().resolve("sip:refused.test"))).toEqual(["udp:127.0.0.11:5070"]);
  });

  it("a NAPTR that is never answered counts as no NAPTR once the resolver's own timeout passes", async () => {
    dns.behave("silent.test", "naptr", "drop");
    expect(short(await resolver({ timeoutMs: 50 }).resolve("sip:silent.test"))).toEqual(["udp:127.0.0.11:5071"]);
    expect(dns.questions.filter((q) => q.type === "naptr").length).toBeGreaterThanOrEqual(1);
  });

  it("a SERVFAIL AAAA when A answered gives the IPv4 targets", async () => {
    dns.behave("dual.test", "aaaa", "servfail");
    expect(short(await resolver().resolve("sip:dual.test:5080"))).toEqual(["udp:127.0.0.14:5080"]);
  });

  it("a REFUSED A when AAAA answered gives the IPv6 targets", async () => {
    dns.behave("dual.test", "a", "refused");
    expect(short(await resolver().resolve("sip:dual.test:5080"))).toEqual(["udp:2001:db8::14:5080"]);
  });

  it("an SRV target whose address queries fail is skipped; the next target is used", async () => {
    dns.behave("host1.test", "a", "servfail");
    dns.behave("host1.test", "aaaa", "servfail");
    expect(short(await resolver({ random: () => 0 }).resolve("sip:order.test"))).toEqual([
      "udp:127.0.0.12:5091",
      "udp:127.0.0.13:5092",
    ]);
  });

  it("fails when the required query fails: A refused for a name with no SRV and no AAAA", async () => {
    dns.behave("v4only.test", "a", "refused");
    await expect(resolver().resolve("sip:v4only.test")).rejects.toMatchObject({
      code: "resolve-failed",
      message: "DNS A query for v4only.test failed",
    });
  });

  it("fails when the required query fails: AAAA refused for a name whose A is empty", async () => {
    dns.behave("v6only.test", "aaaa", "refused");
    await expect(resolver().resolve("sip:v6only.test:5060")).rejects.toMatchObject({ code: "resolve-failed" });
  });

  it("a failed SRV query with no other SRV answer fails the resolution instead of falling back to A", async () => {
    dns.behave("_sip._udp.srvfail.test", "srv", "servfail");
    await expect(resolver().resolve("sip:srvfail.test;transport=udp")).rejects.toMatchObject({
      code: "resolve-failed",
      message: "DNS SRV query for _sip._udp.srvfail.test failed",
    });
    dns.behave("_sip._udp.srvfail.test", "srv", undefined);
    expect(short(await resolver().resolve("sip:srvfail.test;transport=udp"))).toEqual(["udp:127.0.0.11:5070"]);
  });

  it("remembers a failed query for failureTtlS only, then asks again", async () => {
    dns.behave("v4only.test", "a", "refused");
    const clock = new VirtualClock();
    const r = new DnsResolver({ servers: [dns.server], systemLookup: false, timeoutMs: 2000, tries: 1, clock });
    await expect(r.resolve("sip:v4only.test:5060")).rejects.toMatchObject({ code: "resolve-failed" });
    dns.behave("v4only.test", "a", undefined);
    await clock.advance(4_999);
    await expect(r.resolve("sip:v4only.test:5060")).rejects.toMatchObject({ code: "resolve-failed" });
    await clock.advance(2);
    expect(short(await r.resolve("sip:v4only.test:5060"))).toEqual(["udp:127.0.0.15:5060"]);
  });

  it("asks a name once for many resolutions at the same time (one question in flight per name and type)", async () => {
    dns.behave("held.test", "a", "hold");
    const r = resolver();
    const all = Promise.all(Array.from({ length: 50 }, () => r.resolve("sip:held.test:5060")));
    await dns.waitForQuestions("held.test", "a", 1);
    expect(dns.release("held.test", "a")).toBe(1);
    const targets = await all;
    expect(targets.every((ts) => short(ts).join() === "udp:127.0.0.1:5060")).toBe(true);
    expect(dns.questions.filter((q) => q.name === "held.test" && q.type === "a").length).toBe(1);
  });

  it("remembers a failed optional query for failureTtlS: a silent NAPTR costs one timeout, not one per resolution", async () => {
    dns.behave("silent.test", "naptr", "drop");
    const clock = new VirtualClock();
    const r = new DnsResolver({ servers: [dns.server], systemLookup: false, timeoutMs: 50, tries: 1, clock });
    expect(short(await r.resolve("sip:silent.test"))).toEqual(["udp:127.0.0.11:5071"]);
    const asked = dns.questions.filter((q) => q.type === "naptr").length;
    await clock.advance(4_000);
    expect(short(await r.resolve("sip:silent.test"))).toEqual(["udp:127.0.0.11:5071"]);
    expect(dns.questions.filter((q) => q.type === "naptr").length).toBe(asked);
    await clock.advance(1_001); // default failureTtlS 5
    dns.behave("silent.test", "naptr", undefined);
    expect(short(await r.resolve("sip:silent.test"))).toEqual(["udp:127.0.0.11:5071"]);
    expect(dns.questions.filter((q) => q.type === "naptr").length).toBe(asked + 1);
  });

  it("orders SRV records by priority, then by the RFC 2782 weight draw", async () => {
    // weights host1=1, host2=3: draw in [0, 4]; ≤ 1 picks host1, else host2; backup (priority 20) last.
    expect(short(await resolver({ random: () => 0.1 }).resolve("sip:order.test"))).toEqual([
      "udp:127.0.0.11:5090",
      "udp:127.0.0.12:5091",
      "udp:127.0.0.13:5092",
    ]);
    expect(short(await resolver({ random: () => 0.9 }).resolve("sip:order.test"))).toEqual([
      "udp:127.0.0.12:5091",
      "udp:127.0.0.11:5090",
      "udp:127.0.0.13:5092",
    ]);
  });
});

describe("RFC 3263 failover through the transport, names served by the loopback DNS server", () => {
  async function peer(...args: Parameters<typeof udpPeer>): Promise<UdpPeer> {
    const p = await udpPeer(...args);
    open.push(p);
    return p;
  }

  it("the first SRV target never answers: the request times out there and is answered by the second", async () => {
    const silent = await peer();
    const live = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const failover: DnsZone = {
      srv: {
        "_sip._udp.fo.test": [
          { priority: 20, weight: 0, port: live.port, name: "live.test" },
          { priority: 10, weight: 0, port: silent.port, name: "silent-host.test" },
        ],
      },
      a: { "live.test": ["127.0.0.1"], "silent-host.test": ["127.0.0.1"] },
    };
    const server = await startDnsServer(failover);
    open.push(server);
    const clock = new VirtualClock();
    const t = await SipTransport.open({
      listen: ["udp:127.0.0.1:0"],
      timers: { t1Ms: 50, t2Ms: 400, frTimeoutS: 1 },
      clock,
      resolver: new DnsResolver({ servers: [server.server], systemLookup: false, timeoutMs: 2000, tries: 1, clock }),
    });
    open.push(t);
    const sent = t.send(register("sip:fo.test"));
    await silent.waitFor(1); // resolved (NAPTR none, SRV, A): the priority-10 target first
    await clock.advance(1000); // Timer E copies to the silent target, then Timer F: on to the next target
    await live.waitFor(1);
    const o = await sent;
    if (o.kind !== "response") throw new Error(`expected a response, got ${o.kind}`);
    expect(o.response.status).toBe(200);
    expect(o.remote).toEqual({ proto: "udp", address: "127.0.0.1", port: live.port });
    expect(silent.received.length).toBeGreaterThanOrEqual(2);
    expect(live.received.length).toBe(1);
    expect(t.counters.failovers).toBe(1);
    expect(server.questions.map((q) => `${q.type} ${q.name}`)).toContain("srv _sip._udp.fo.test");
  });

  it("a send that carries its targets (resolved by the caller) goes there without asking the resolver", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const clock = new VirtualClock();
    const asked: string[] = [];
    const counting = new DnsResolver({ servers: [dns.server], systemLookup: false, timeoutMs: 5000, tries: 1, clock });
    const t = await SipTransport.open({
      listen: ["udp:127.0.0.1:0"],
      timers: { t1Ms: 50, t2Ms: 400, frTimeoutS: 1 },
      clock,
      resolver: {
        resolve: (uri) => {
          asked.push(String(uri));
          return counting.resolve(uri);
        },
        resolveNow: (uri) => {
          asked.push(uri);
          return counting.resolveNow(uri);
        },
      },
    });
    open.push(t);
    const targets: Target[] = [{ proto: "udp", address: "127.0.0.1", port: reg.port }];
    const o = await t.send({ ...register("sip:unresolvable.test"), targets });
    if (o.kind !== "response") throw new Error(`expected a response, got ${o.kind}`);
    expect(o.response.status).toBe(200);
    expect(reg.received.length).toBe(1);
    expect(asked).toEqual([]);
    expect(t.resolveNow("sip:127.0.0.1:5099")).toEqual([{ proto: "udp", address: "127.0.0.1", port: 5099 }]);
    expect(t.resolveNow("sip:unresolvable.test")).toBeUndefined();
  });

  it("a send to a registrar given by address goes out and is answered while a name's A answer is held", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    dns.behave("held.test", "a", "hold");
    const clock = new VirtualClock();
    const t = await SipTransport.open({
      listen: ["udp:127.0.0.1:0"],
      timers: { t1Ms: 50, t2Ms: 400, frTimeoutS: 1 },
      clock,
      resolver: new DnsResolver({ servers: [dns.server], systemLookup: false, timeoutMs: 5000, tries: 1, clock }),
    });
    open.push(t);
    let slowEnded = false;
    const slow = t.send(register(`sip:held.test:${reg.port}`)).then((o) => {
      slowEnded = true;
      return o;
    });
    await dns.waitForQuestions("held.test", "a", 1);
    const byAddress = await t.send(register(`sip:127.0.0.1:${reg.port}`));
    expect(byAddress.kind === "response" && byAddress.response.status).toBe(200);
    expect(slowEnded).toBe(false);
    expect(reg.received.length).toBe(1);
    expect(dns.release("held.test", "a")).toBe(1);
    const o = await slow;
    expect(o.kind === "response" && o.response.status).toBe(200);
    expect(reg.received.length).toBe(2);
  });
});
