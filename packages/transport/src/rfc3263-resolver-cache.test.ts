import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import type { DnsAnswer, DnsLookup, NaptrRecord, SrvRecord } from "./dns-lookup.js";
import { Rfc3263Resolver } from "./rfc3263-resolver.js";
import { SWEEP_INTERVAL_MS } from "./rfc3263-resolver-cache.js";

/**
 * A hostile DNS server (issue 10 item 2): every NAPTR answer for `evil.test` names a fresh SRV owner, every SRV
 * answer a fresh target host, all with TTL 0, so each resolution adds new names to the resolver's cache.
 */
class FreshNamesDns implements DnsLookup {
  private next = 0;
  constructor(private readonly ttl: number) {}
  async naptr(_name: string): Promise<DnsAnswer<NaptrRecord>> {
    const replacement = `_sip._udp.n${this.next++}.evil.test`;
    return { records: [{ order: 1, preference: 1, flags: "s", service: "SIP+D2U", regexp: "", replacement }], ttl: 0 };
  }
  async srv(_name: string): Promise<DnsAnswer<SrvRecord>> {
    return { records: [{ priority: 1, weight: 0, port: 5060, name: `h${this.next++}.evil.test` }], ttl: this.ttl };
  }
  async a(_name: string): Promise<DnsAnswer<string>> {
    return { records: ["192.0.2.1"], ttl: this.ttl };
  }
  async aaaa(_name: string): Promise<DnsAnswer<string>> {
    return { records: [], ttl: this.ttl };
  }
}

describe("the RFC 3263 resolver's cache is bounded", () => {
  it("keeps at most its size while a DNS server hands out 50,000 fresh names, and counts what it drops", async () => {
    const clock = new VirtualClock();
    const r = new Rfc3263Resolver(new FreshNamesDns(3600), { clock, cacheSize: 1000 });
    let largest = 0;
    for (let i = 0; i < 50_000; i++) {
      const targets = await r.resolve(i % 2 === 0 ? "sip:evil.test" : `sip:name${i}.example:5060`);
      expect(targets.length).toBe(1);
      largest = Math.max(largest, r.cacheStats().entries);
    }
    expect(largest).toBe(1000);
    // 25,000 resolutions of 4 questions (NAPTR, SRV, A, AAAA) and 25,000 of 2 (A, AAAA): every answer stored is
    // either still held, or was removed on expiry (the NAPTR of TTL 0, replaced by the next one), or dropped and counted.
    const { entries, expired, evicted } = r.cacheStats();
    expect(entries + expired + evicted).toBe(25_000 * 4 + 25_000 * 2);
    expect(expired).toBe(25_000 - 1);
  });

  it("the default size is 10,000 entries", async () => {
    const clock = new VirtualClock();
    const r = new Rfc3263Resolver(new FreshNamesDns(3600), { clock });
    for (let i = 0; i < 6000; i++) await r.resolve(`sip:name${i}.example:5060`);
    expect(r.cacheStats()).toEqual({ entries: 10_000, expired: 0, evicted: 2000 });
  });

  it("a registrar name in use survives a flood of one-shot names (least recently used is dropped first)", async () => {
    const clock = new VirtualClock();
    const dns = new FreshNamesDns(3600);
    const r = new Rfc3263Resolver(dns, { clock, cacheSize: 100 });
    const asked: string[] = [];
    const a = dns.a.bind(dns);
    dns.a = async (name: string) => {
      asked.push(name);
      return a(name);
    };
    await r.resolve("sip:registrar.example:5060");
    for (let i = 0; i < 5000; i++) {
      await r.resolve(`sip:flood${i}.example:5060`);
      if (i % 10 === 0) await r.resolve("sip:registrar.example:5060");
    }
    expect(asked.filter((n) => n === "registrar.example")).toEqual(["registrar.example"]);
  });

  it("removes expired entries after their TTL, on the resolver's clock", async () => {
    const clock = new VirtualClock();
    const r = new Rfc3263Resolver(new FreshNamesDns(30), { clock });
    for (let i = 0; i < 500; i++) await r.resolve(`sip:name${i}.example:5060`);
    expect(r.cacheStats().entries).toBe(1000);
    await clock.advance(29_000);
    await r.resolve("sip:late.example:5060");
    expect(r.cacheStats().entries).toBe(1002);
    await clock.advance(1000 + SWEEP_INTERVAL_MS);
    await r.resolve("sip:later.example:5060");
    expect(r.cacheStats()).toEqual({ entries: 4, expired: 1000, evicted: 0 });
  });

  it("answers of TTL 0 are never kept past the next sweep", async () => {
    const clock = new VirtualClock();
    const r = new Rfc3263Resolver(new FreshNamesDns(0), { clock });
    for (let i = 0; i < 2000; i++) {
      await r.resolve("sip:evil.test");
      await clock.advance(1);
    }
    expect(r.cacheStats().entries).toBeLessThanOrEqual(4 * SWEEP_INTERVAL_MS + 4);
    expect(r.cacheStats().evicted).toBe(0);
  });
});
