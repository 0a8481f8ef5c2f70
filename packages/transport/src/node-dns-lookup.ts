import { promises as dns } from "node:dns";
import type { DnsAnswer, DnsLookup, NaptrRecord, SrvRecord } from "./dns-lookup.js";

/** "Name has no such record" errors: an empty answer, not a failure. */
const NOT_FOUND = new Set(["ENODATA", "ENOTFOUND", "NOTFOUND", "ENONAME"]);

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && NOT_FOUND.has(String((err as { code?: unknown }).code));
}

/** Options of {@link NodeDnsLookup}. */
export interface NodeDnsLookupOptions {
  /** DNS servers (`"127.0.0.1:5353"`, `"[::1]:53"`): `Resolver.setServers`; default the system's. */
  servers?: string[];
  /** c-ares timeout of one try, ms (default 2000; c-ares doubles it on each retry). */
  timeoutMs?: number;
  /** c-ares tries per server (default 2). */
  tries?: number;
  /** A `dns.promises.Resolver` to use instead of a new one (`servers` is still applied to it when given). */
  resolver?: dns.Resolver;
  /** Seconds NAPTR and SRV answers are cached (c-ares gives no TTL for them; default 60). */
  srvTtlS?: number;
  /**
   * Also ask the system resolver (`getaddrinfo`: /etc/hosts, then the system's DNS) when the servers give no
   * A/AAAA for a name (default true). Off, only `servers` are asked: a test against its own DNS server.
   */
  systemLookup?: boolean;
}

/**
 * {@link DnsLookup} over node:dns (`dns.promises.Resolver`, c-ares). c-ares reports TTLs for A/AAAA only, so NAPTR and
 * SRV answers are cached for `srvTtlS` seconds (default 60). When the DNS servers know no A/AAAA for a name, the
 * system resolver (`getaddrinfo`, so /etc/hosts) is asked too, so `sip:localhost:5060` works.
 */
export class NodeDnsLookup implements DnsLookup {
  private readonly resolver: dns.Resolver;
  private readonly srvTtlS: number;

  private readonly systemLookup: boolean;

  constructor(opts?: NodeDnsLookupOptions) {
    this.resolver = opts?.resolver ?? new dns.Resolver({ timeout: opts?.timeoutMs ?? 2000, tries: opts?.tries ?? 2 });
    if (opts?.servers) this.resolver.setServers(opts.servers);
    this.srvTtlS = opts?.srvTtlS ?? 60;
    this.systemLookup = opts?.systemLookup ?? true;
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
    if (!this.systemLookup) {
      if (failure !== undefined) throw failure;
      return { records: [], ttl: this.srvTtlS };
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
