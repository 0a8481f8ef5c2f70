import { promises as dns } from "node:dns";
import type { DnsAnswer, DnsLookup, NaptrRecord, SrvRecord } from "./dns-lookup.js";

/** "Name has no such record" errors: an empty answer, not a failure. */
const NOT_FOUND = new Set(["ENODATA", "ENOTFOUND", "NOTFOUND", "ENONAME"]);

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && NOT_FOUND.has(String((err as { code?: unknown }).code));
}

/**
 * {@link DnsLookup} over node:dns (`dns.promises.Resolver`, c-ares). c-ares reports TTLs for A/AAAA only, so NAPTR and
 * SRV answers are cached for `srvTtlS` seconds (default 60). When the DNS servers know no A/AAAA for a name, the
 * system resolver (`getaddrinfo`, so /etc/hosts) is asked too, so `sip:localhost:5060` works.
 */
export class NodeDnsLookup implements DnsLookup {
  private readonly resolver: dns.Resolver;
  private readonly srvTtlS: number;

  constructor(opts?: { servers?: string[]; timeoutMs?: number; srvTtlS?: number }) {
    this.resolver = new dns.Resolver({ timeout: opts?.timeoutMs ?? 2000, tries: 2 });
    if (opts?.servers) this.resolver.setServers(opts.servers);
    this.srvTtlS = opts?.srvTtlS ?? 60;
  }

  async naptr(name: string): Promise<DnsAnswer<NaptrRecord>> {
    try {
      return { records: await this.resolver.resolveNaptr(name), ttl: this.srvTtlS };
    } catch (err) {
      if (isNotFound(err)) return { records: [], ttl: this.srvTtlS };
      throw err;
    }
  }

  async srv(name: string): Promise<DnsAnswer<SrvRecord>> {
    try {
      return { records: await this.resolver.resolveSrv(name), ttl: this.srvTtlS };
    } catch (err) {
      if (isNotFound(err)) return { records: [], ttl: this.srvTtlS };
      throw err;
    }
  }

  a(name: string): Promise<DnsAnswer<string>> {
    return this.address(name, 4);
  }

  aaaa(name: string): Promise<DnsAnswer<string>> {
    return this.address(name, 6);
  }

  private async address(name: string, family: 4 | 6): Promise<DnsAnswer<string>> {
    let failure: unknown;
    try {
      const recs =
        family === 4
          ? await this.resolver.resolve4(name, { ttl: true })
          : await this.resolver.resolve6(name, { ttl: true });
      if (recs.length > 0) {
        return { records: recs.map((r) => r.address), ttl: Math.min(...recs.map((r) => r.ttl)) };
      }
    } catch (err) {
      if (!isNotFound(err)) failure = err;
    }
    try {
      const local = await dns.lookup(name, { family, all: true });
      if (local.length > 0) return { records: local.map((r) => r.address), ttl: this.srvTtlS };
    } catch (err) {
      if (!isNotFound(err) && failure === undefined) failure = err;
    }
    if (failure !== undefined) throw failure;
    return { records: [], ttl: this.srvTtlS };
  }
}
