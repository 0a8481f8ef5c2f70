import { isIP } from "node:net";
import { type Clock, systemClock } from "@uacreg/runtime";
import type { DnsAnswer, DnsLookup, DnsZone, NaptrRecord, SrvRecord } from "./dns-lookup.js";
import { InMemoryDnsLookup } from "./dns-lookup.js";
import { parseNextHop, type NextHop } from "./next-hop.js";
import { DEFAULT_CACHE_SIZE, ResolverCache, type ResolverCacheStats } from "./rfc3263-resolver-cache.js";
import { NodeDnsLookup, type NodeDnsLookupOptions } from "./node-dns-lookup.js";
import type { TransportProtocol } from "./socket-spec.js";
import { TransportError } from "./transport-error.js";

/** One place to send a request: protocol, IP address and port (RFC 3263 §4). */
export interface Target {
  readonly proto: TransportProtocol;
  readonly address: string;
  readonly port: number;
  /** The URI's host name when it was not numeric: the identity a TLS certificate is checked against (RFC 5922). */
  readonly hostname?: string;
}

/** Turns a next-hop SIP URI into an ordered list of targets; the transport tries them in order (RFC 3263 §4.3). */
export interface Resolver {
  resolve(uri: string | NextHop): Promise<Target[]>;
  /**
   * Optional fast path: the targets when they are known without any lookup (a numeric host), else `undefined` and
   * the transport calls {@link resolve}. The array is shared between calls and must not be changed.
   */
  resolveNow?(uri: string): readonly Target[] | undefined;
}

/** NAPTR services of RFC 3263 §4.1 that we speak. */
const NAPTR_SERVICES: Record<string, TransportProtocol> = { "SIP+D2U": "udp", "SIP+D2T": "tcp", "SIPS+D2T": "tls" };
const SRV_PREFIX: Record<TransportProtocol, string> = { udp: "_sip._udp.", tcp: "_sip._tcp.", tls: "_sips._tcp." };
const DEFAULT_PORT: Record<TransportProtocol, number> = { udp: 5060, tcp: 5060, tls: 5061 };

/** A cached answer, or a cached failure (RFC 2308 §7: a server failure may be cached, for at most 5 minutes). */
type CacheEntry = { readonly answer: DnsAnswer<unknown> } | { readonly failure: TransportError };

export interface Rfc3263Options {
  /** Uniform random number in [0, 1): SRV weight selection (RFC 2782). Default Math.random (I/O layer). */
  random?: () => number;
  /** The clock of the TTL cache (its monotonic `now()`); default `systemClock` of @uacreg/runtime. */
  clock?: Clock;
  /** Seconds an empty answer is cached (default 30). */
  negativeTtlS?: number;
  /**
   * Seconds a failed query (REFUSED, SERVFAIL, timeout) is remembered as failed (default 5; RFC 2308 §7 allows up to
   * 300): a silent server costs one resolver timeout per name and type, not one per resolution.
   */
  failureTtlS?: number;
  /**
   * Most DNS answers and failures (name and type pairs) kept, default 10,000: the least recently used one is dropped
   * beyond it (the names come from DNS answers, so a hostile server could otherwise grow the cache without bound).
   */
  cacheSize?: number;
}

/**
 * RFC 3263 §4 client resolution over any {@link DnsLookup}, with a TTL cache bounded in size and swept of expired
 * entries ({@link ResolverCache}):
 * - numeric host: used as is, transport from `;transport=` else UDP (TLS for `sips:`), port from the URI or default;
 * - explicit port: A/AAAA of the host;
 * - `;transport=` without port: SRV for that transport, else A/AAAA;
 * - otherwise NAPTR (SIP+D2U / SIP+D2T / SIPS+D2T, only SIPS+D2T for `sips:`) ordered by order then preference,
 *   each replacement looked up as SRV; without NAPTR, SRV `_sip._udp` then `_sip._tcp` (`_sips._tcp` for `sips:`);
 *   without SRV, A/AAAA with the default port.
 * SRV records are ordered by priority and, within one priority, by the RFC 2782 weighted random draw. Each host gives
 * its IPv4 addresses then its IPv6 ones. Every target is listed once.
 * A failed query (REFUSED, SERVFAIL, timeout) counts as "no record" and resolution goes on; a failed SRV forbids the
 * A/AAAA fallback; the resolution fails only when it ends with no target and a query failed (the package README,
 * "Failed DNS queries").
 */
export class Rfc3263Resolver implements Resolver {
  private readonly cache: ResolverCache<CacheEntry>;
  /** Targets of numeric next-hop URIs, by URI text. */
  private readonly numeric = new Map<string, Target[]>();
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly negativeTtlS: number;
  private readonly failureTtlS: number;
  /** The query in flight per name and type: concurrent resolutions share one question. */
  private readonly pending = new Map<string, Promise<DnsAnswer<unknown>>>();

  constructor(
    private readonly dns: DnsLookup,
    opts?: Rfc3263Options,
  ) {
    this.random = opts?.random ?? Math.random;
    this.clock = opts?.clock ?? systemClock;
    this.negativeTtlS = opts?.negativeTtlS ?? 30;
    this.failureTtlS = opts?.failureTtlS ?? 5;
    this.cache = new ResolverCache(opts?.cacheSize ?? DEFAULT_CACHE_SIZE, () => this.clock.now());
  }

  /** The DNS cache: entries held, entries removed on expiry, entries dropped because the cache was full. */
  cacheStats(): ResolverCacheStats {
    return this.cache.stats();
  }

  /**
   * A numeric next hop needs no DNS (RFC 3263 §4.2: "If the TARGET was a numeric IP address, the client uses that
   * address"): its targets are parsed once and kept (up to {@link NUMERIC_CACHE_SIZE} URIs), so the transport sends
   * to a registrar given by address without a promise or a URI parse per request.
   */
  resolveNow(uri: string): readonly Target[] | undefined {
    const hit = this.numeric.get(uri);
    if (hit !== undefined) return hit;
    let targets: Target[] | undefined;
    try {
      targets = numericTargets(parseNextHop(uri));
    } catch {
      return undefined; // resolve() reports the error
    }
    if (targets === undefined) return undefined;
    if (this.numeric.size >= NUMERIC_CACHE_SIZE) this.numeric.clear();
    this.numeric.set(uri, targets);
    return targets;
  }

  async resolve(uri: string | NextHop): Promise<Target[]> {
    const hop = typeof uri === "string" ? parseNextHop(uri) : uri;
    const numeric = numericTargets(hop);
    if (numeric !== undefined) return numeric;
    const secure = hop.scheme === "sips";
    const proto = uriTransport(hop);
    const hostname = hop.host;
    const run: Resolution = { out: [], failures: [], srvFailed: false };
    if (hop.port !== undefined) {
      const p = proto ?? (secure ? "tls" : "udp");
      await this.addresses(hop.host, p, hop.port, hostname, run);
      return finished(run);
    }
    if (proto !== undefined) {
      await this.fromSrv(SRV_PREFIX[proto] + hop.host, proto, hostname, run);
    } else {
      const naptr = await this.optional<NaptrRecord>("naptr", hop.host, run);
      const usable = naptr
        .filter((r) => r.flags.toLowerCase() === "s")
        .filter((r) => {
          const p = NAPTR_SERVICES[r.service.toUpperCase()];
          return p !== undefined && (!secure || p === "tls");
        })
        .sort((x, y) => x.order - y.order || x.preference - y.preference);
      for (const r of usable) {
        await this.fromSrv(r.replacement, NAPTR_SERVICES[r.service.toUpperCase()]!, hostname, run);
      }
      if (usable.length === 0) {
        for (const p of secure ? (["tls"] as const) : (["udp", "tcp"] as const)) {
          await this.fromSrv(SRV_PREFIX[p] + hop.host, p, hostname, run);
        }
      }
    }
    // RFC 3263 §4.2: A/AAAA with the default port only when no SRV record was found; a failed SRV query is not
    // "no record" (the domain may designate other hosts), so it does not lead to the A fallback.
    if (run.out.length > 0 || run.srvFailed) return finished(run);
    const p = proto ?? (secure ? "tls" : "udp");
    await this.addresses(hop.host, p, DEFAULT_PORT[p], hostname, run);
    return finished(run);
  }

  /** SRV lookup of `name`, records in RFC 2782 order, each expanded to addresses. */
  private async fromSrv(name: string, proto: TransportProtocol, hostname: string, run: Resolution): Promise<void> {
    const failuresBefore = run.failures.length;
    const records = (await this.optional<SrvRecord>("srv", name, run)).filter((r) => r.name !== "." && r.name !== "");
    if (run.failures.length > failuresBefore) run.srvFailed = true;
    for (const r of this.orderSrv(records)) await this.addresses(r.name, proto, r.port, hostname, run);
  }

  /** RFC 2782: ascending priority; within a priority, repeatedly draw by weight (zero weights first in the list). */
  orderSrv(records: readonly SrvRecord[]): SrvRecord[] {
    const byPriority = new Map<number, SrvRecord[]>();
    for (const r of records) {
      const g = byPriority.get(r.priority);
      if (g) g.push(r);
      else byPriority.set(r.priority, [r]);
    }
    const ordered: SrvRecord[] = [];
    for (const prio of [...byPriority.keys()].sort((a, b) => a - b)) {
      const group = byPriority.get(prio)!;
      const pool = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight !== 0)];
      while (pool.length > 0) {
        const total = pool.reduce((s, r) => s + r.weight, 0);
        const pick = Math.floor(this.random() * (total + 1));
        let sum = 0;
        let idx = pool.length - 1;
        for (let i = 0; i < pool.length; i++) {
          sum += pool[i]!.weight;
          if (sum >= pick) {
            idx = i;
            break;
          }
        }
        ordered.push(pool[idx]!);
        pool.splice(idx, 1);
      }
    }
    return ordered;
  }

  /** The host's IPv4 then IPv6 addresses; A and AAAA are asked together, a failed one counts as no record. */
  private async addresses(
    host: string,
    proto: TransportProtocol,
    port: number,
    hostname: string,
    run: Resolution,
  ): Promise<void> {
    if (isIP(host) !== 0) {
      pushUnique(run.out, { proto, address: host, port, hostname });
      return;
    }
    const [v4, v6] = await Promise.all([
      this.optional<string>("a", host, run),
      this.optional<string>("aaaa", host, run),
    ]);
    for (const address of v4) pushUnique(run.out, { proto, address, port, hostname });
    for (const address of v6) pushUnique(run.out, { proto, address, port, hostname });
  }

  /**
   * One query whose failure (REFUSED, SERVFAIL, timeout…) is kept in `run` and answered as "no record": whether the
   * resolution fails is decided at its end ({@link finished}).
   */
  private async optional<T>(type: QueryType, name: string, run: Resolution): Promise<readonly T[]> {
    try {
      return await this.query<T>(type, name);
    } catch (err) {
      run.failures.push(err instanceof TransportError ? err : new TransportError(String(err), "resolve-failed"));
      return [];
    }
  }

  /**
   * One cached DNS question; concurrent callers share the query in flight. A failed query throws a
   * {@link TransportError} naming it, and keeps throwing it for `failureTtlS`.
   */
  private async query<T>(type: QueryType, name: string): Promise<readonly T[]> {
    const key = `${type} ${name.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      if ("failure" in hit) throw hit.failure;
      return hit.answer.records as readonly T[];
    }
    let asking = this.pending.get(key);
    if (asking === undefined) {
      asking = this.ask(type, name, key);
      this.pending.set(key, asking);
    }
    return (await asking).records as readonly T[];
  }

  private async ask(type: QueryType, name: string, key: string): Promise<DnsAnswer<unknown>> {
    const asked = this.clock.now();
    try {
      const answer = await this.dns[type](name);
      const ttl = answer.records.length === 0 ? Math.min(answer.ttl, this.negativeTtlS) : answer.ttl;
      this.cache.set(key, { answer }, asked + ttl * 1000);
      return answer;
    } catch (err) {
      const failure = new TransportError(`DNS ${type.toUpperCase()} query for ${name} failed`, "resolve-failed", {
        cause: err,
      });
      this.cache.set(key, { failure }, this.clock.now() + this.failureTtlS * 1000);
      throw failure;
    } finally {
      this.pending.delete(key);
    }
  }
}

type QueryType = "naptr" | "srv" | "a" | "aaaa";

/** One resolution in progress: the targets so far and the queries that failed. */
interface Resolution {
  readonly out: Target[];
  readonly failures: TransportError[];
  /** An SRV query failed (no A/AAAA fallback then, RFC 3263 §4.2). */
  srvFailed: boolean;
}

/**
 * The end of a resolution (README, "RFC 3263"): its targets when there are any, whatever optional query failed;
 * with no target, the first failed query is the error (the required query failed); with no target and no failure,
 * an empty list (the name has no record: "no-target" for the transport).
 */
function finished(run: Resolution): Target[] {
  if (run.out.length === 0 && run.failures.length > 0) throw run.failures[0]!;
  return run.out;
}

/** Numeric next-hop URIs remembered by {@link Rfc3263Resolver.resolveNow} (cleared when full). */
const NUMERIC_CACHE_SIZE = 4096;

/** The protocol asked by `;transport=` (TLS for `sips:` over TCP), undefined when not given. */
function uriTransport(hop: NextHop): TransportProtocol | undefined {
  if (hop.transport === undefined) return undefined;
  const secure = hop.scheme === "sips";
  const t = hop.transport.toLowerCase();
  let proto: TransportProtocol | undefined;
  if (t === "udp") proto = secure ? undefined : "udp";
  else if (t === "tcp") proto = secure ? "tls" : "tcp";
  else if (t === "tls") proto = "tls";
  if (proto === undefined) {
    throw new TransportError(`unsupported transport "${hop.transport}" for ${hop.scheme}: URI`, "no-target");
  }
  return proto;
}

/** RFC 3263 §4.1/§4.2 for a numeric host: that address, the URI's transport (else UDP, TLS for `sips:`) and port. */
function numericTargets(hop: NextHop): Target[] | undefined {
  const proto = uriTransport(hop);
  if (isIP(hop.host) === 0) return undefined;
  const p = proto ?? (hop.scheme === "sips" ? "tls" : "udp");
  return [{ proto: p, address: hop.host, port: hop.port ?? DEFAULT_PORT[p] }];
}

function pushUnique(out: Target[], t: Target): void {
  for (const o of out) if (o.proto === t.proto && o.address === t.address && o.port === t.port) return;
  out.push(t);
}

/** The production resolver: RFC 3263 over node:dns. */
export class DnsResolver extends Rfc3263Resolver {
  constructor(opts?: Rfc3263Options & NodeDnsLookupOptions) {
    super(new NodeDnsLookup(opts), opts);
  }
}

/** RFC 3263 over an in-memory zone (tests, static deployments). `zone.queries` counts DNS questions asked. */
export class StaticResolver extends Rfc3263Resolver {
  readonly zone: InMemoryDnsLookup;
  constructor(zone: DnsZone, opts?: Rfc3263Options) {
    const lookup = new InMemoryDnsLookup(zone);
    super(lookup, opts);
    this.zone = lookup;
  }
}
