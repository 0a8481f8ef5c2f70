import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import type { DnsZone } from "./dns-lookup.js";
import { parseNextHop } from "./next-hop.js";
import { StaticResolver, type Target } from "./rfc3263-resolver.js";

const short = (ts: Target[]) => ts.map((t) => `${t.proto}:${t.address}:${t.port}`);

const zone: DnsZone = {
  naptr: {
    "example.com": [
      { order: 20, preference: 10, flags: "s", service: "SIP+D2U", regexp: "", replacement: "_sip._udp.example.com" },
      { order: 10, preference: 20, flags: "s", service: "SIP+D2T", regexp: "", replacement: "_sip._tcp.example.com" },
      { order: 10, preference: 10, flags: "s", service: "SIPS+D2T", regexp: "", replacement: "_sips._tcp.example.com" },
      { order: 5, preference: 1, flags: "s", service: "SIP+D2X", regexp: "", replacement: "_sip._sctp.example.com" },
    ],
  },
  srv: {
    "_sip._udp.example.com": [
      { priority: 20, weight: 0, port: 5070, name: "backup.example.com" },
      { priority: 10, weight: 1, port: 5060, name: "a.example.com" },
      { priority: 10, weight: 3, port: 5060, name: "b.example.com" },
    ],
    "_sip._tcp.example.com": [{ priority: 10, weight: 0, port: 5060, name: "a.example.com" }],
    "_sips._tcp.example.com": [{ priority: 10, weight: 0, port: 5061, name: "a.example.com" }],
    "_sip._udp.nonaptr.test": [{ priority: 1, weight: 0, port: 5080, name: "a.example.com" }],
    "_sip._tcp.nonaptr.test": [{ priority: 1, weight: 0, port: 5081, name: "b.example.com" }],
    "_sips._tcp.nonaptr.test": [{ priority: 1, weight: 0, port: 5091, name: "b.example.com" }],
    "_sip._tcp.dead.test": [{ priority: 1, weight: 0, port: 5060, name: "." }],
  },
  a: {
    "a.example.com": ["192.0.2.1"],
    "b.example.com": ["192.0.2.2"],
    "backup.example.com": ["192.0.2.3"],
    "plain.test": ["192.0.2.9"],
    "dead.test": ["192.0.2.10"],
  },
  aaaa: { "a.example.com": ["2001:db8::1"] },
};

describe("RFC 3263 §4 resolution on the in-memory DNS", () => {
  it("uses a numeric host as is: UDP for sip:, TLS on 5061 for sips:, transport= honoured", async () => {
    const r = new StaticResolver({});
    expect(short(await r.resolve("sip:127.0.0.1:5080"))).toEqual(["udp:127.0.0.1:5080"]);
    expect(short(await r.resolve("sip:alice@10.0.0.1"))).toEqual(["udp:10.0.0.1:5060"]);
    expect(short(await r.resolve("sips:10.0.0.1"))).toEqual(["tls:10.0.0.1:5061"]);
    expect(short(await r.resolve("sip:[::1]:5062;transport=TCP"))).toEqual(["tcp:::1:5062"]);
    expect(r.zone.queries).toBe(0);
  });

  it("an explicit port skips NAPTR/SRV: A then AAAA", async () => {
    const r = new StaticResolver(zone);
    const ts = await r.resolve("sip:a.example.com:5099");
    expect(short(ts)).toEqual(["udp:192.0.2.1:5099", "udp:2001:db8::1:5099"]);
    expect(ts[0]!.hostname).toBe("a.example.com");
  });

  it("follows NAPTR by order then preference, skipping unknown services", async () => {
    const r = new StaticResolver(zone, { random: () => 0 });
    expect(short(await r.resolve("sip:example.com"))).toEqual([
      "tls:192.0.2.1:5061",
      "tls:2001:db8::1:5061",
      "tcp:192.0.2.1:5060",
      "tcp:2001:db8::1:5060",
      "udp:192.0.2.1:5060",
      "udp:2001:db8::1:5060",
      "udp:192.0.2.2:5060",
      "udp:192.0.2.3:5070",
    ]);
  });

  it("a sips: URI keeps only SIPS+D2T", async () => {
    const r = new StaticResolver(zone);
    expect(short(await r.resolve("sips:example.com"))).toEqual(["tls:192.0.2.1:5061", "tls:2001:db8::1:5061"]);
  });

  it("transport= goes straight to the SRV of that transport", async () => {
    const r = new StaticResolver(zone);
    expect(short(await r.resolve("sip:example.com;transport=tcp"))).toEqual([
      "tcp:192.0.2.1:5060",
      "tcp:2001:db8::1:5060",
    ]);
  });

  it("without NAPTR queries _sip._udp then _sip._tcp; for sips: only _sips._tcp", async () => {
    const r = new StaticResolver(zone);
    expect(short(await r.resolve("sip:nonaptr.test"))).toEqual([
      "udp:192.0.2.1:5080",
      "udp:2001:db8::1:5080",
      "tcp:192.0.2.2:5081",
    ]);
    expect(short(await r.resolve("sips:nonaptr.test"))).toEqual(["tls:192.0.2.2:5091"]);
  });

  it("without NAPTR or SRV falls back to A with the default port; an SRV target '.' is ignored", async () => {
    const r = new StaticResolver(zone);
    expect(short(await r.resolve("sip:plain.test"))).toEqual(["udp:192.0.2.9:5060"]);
    expect(short(await r.resolve("sip:dead.test;transport=tcp"))).toEqual(["tcp:192.0.2.10:5060"]);
    expect(await r.resolve("sip:unknown.test")).toEqual([]);
  });

  it("orders SRV records of one priority by weight (RFC 2782 draw with the injected randomness)", async () => {
    // weights a=1, b=3: draw r in [0, 4]; r ≤ 1 picks a, else b.
    const low = new StaticResolver(zone, { random: () => 0.1 });
    const high = new StaticResolver(zone, { random: () => 0.9 });
    const ordered = (rs: StaticResolver) => rs.orderSrv(zone.srv!["_sip._udp.example.com"]!).map((s) => s.name);
    expect(ordered(low)).toEqual(["a.example.com", "b.example.com", "backup.example.com"]);
    expect(ordered(high)).toEqual(["b.example.com", "a.example.com", "backup.example.com"]);
    // Over many draws b comes first about 3 times out of 4.
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const r = new StaticResolver(zone, { random: rand });
    let bFirst = 0;
    for (let i = 0; i < 4000; i++) if (ordered(r)[0] === "b.example.com") bFirst++;
    expect(bFirst / 4000).toBeGreaterThan(0.55);
    expect(bFirst / 4000).toBeLessThan(0.7);
  });

  it("caches answers for their TTL", async () => {
    const clock = new VirtualClock();
    const r = new StaticResolver({ ...zone, ttl: 60 }, { clock });
    await r.resolve("sip:example.com");
    const asked = r.zone.queries;
    await r.resolve("sip:example.com");
    expect(r.zone.queries).toBe(asked);
    await clock.advance(61_000);
    await r.resolve("sip:example.com");
    expect(r.zone.queries).toBe(asked * 2);
  });

  it("rejects a URI that is not sip:/sips: or a transport a sips: URI cannot use", async () => {
    const r = new StaticResolver(zone);
    await expect(r.resolve("tel:+123")).rejects.toThrow(/not a sip/);
    await expect(r.resolve("sips:example.com;transport=udp")).rejects.toThrow(/unsupported transport/);
  });
});

describe("parseNextHop", () => {
  it("reads scheme, host, port and transport, ignoring user and other parameters", () => {
    expect(parseNextHop("<sip:bob@Proxy.Example.com:5070;lr;transport=tcp?x=y>")).toEqual({
      scheme: "sip",
      host: "proxy.example.com",
      port: 5070,
      transport: "tcp",
    });
    expect(parseNextHop("sips:[2001:db8::2]")).toMatchObject({ scheme: "sips", host: "2001:db8::2" });
    expect(() => parseNextHop("sip:host:99999")).toThrow(/bad port/);
  });
});
