/**
 * The DNS questions RFC 3263 asks, as a small interface: node:dns answers them in production
 * ({@link NodeDnsLookup}), an in-memory table in tests ({@link InMemoryDnsLookup}).
 * Each answer carries its TTL in seconds so the resolver can cache it.
 * "Not found" (NXDOMAIN, NODATA) is an empty answer; a failed query (timeout, SERVFAIL) throws.
 */
export interface NaptrRecord {
  readonly order: number;
  readonly preference: number;
  readonly flags: string;
  readonly service: string;
  readonly regexp: string;
  readonly replacement: string;
}

export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Target host name; "." means "service not available here" (RFC 2782). */
  readonly name: string;
}

export interface DnsAnswer<T> {
  readonly records: readonly T[];
  /** Seconds the answer may be cached. */
  readonly ttl: number;
}

export interface DnsLookup {
  naptr(name: string): Promise<DnsAnswer<NaptrRecord>>;
  srv(name: string): Promise<DnsAnswer<SrvRecord>>;
  a(name: string): Promise<DnsAnswer<string>>;
  aaaa(name: string): Promise<DnsAnswer<string>>;
}

/** In-memory zone for tests and static configurations: names are matched case-insensitively, without a final dot. */
export interface DnsZone {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  /** TTL reported for every answer, seconds (default 300). */
  ttl?: number;
}

function zoneKey(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function fromTable<T>(table: Record<string, T[]> | undefined, name: string, ttl: number): DnsAnswer<T> {
  if (table === undefined) return { records: [], ttl };
  const key = zoneKey(name);
  for (const k of Object.keys(table)) if (zoneKey(k) === key) return { records: table[k] ?? [], ttl };
  return { records: [], ttl };
}

/** A {@link DnsLookup} over a fixed {@link DnsZone}; counts the queries it answers (tests check the cache). */
export class InMemoryDnsLookup implements DnsLookup {
  queries = 0;
  constructor(private readonly zone: DnsZone) {}
  async naptr(name: string) {
    this.queries++;
    return fromTable(this.zone.naptr, name, this.zone.ttl ?? 300);
  }
  async srv(name: string) {
    this.queries++;
    return fromTable(this.zone.srv, name, this.zone.ttl ?? 300);
  }
  async a(name: string) {
    this.queries++;
    return fromTable(this.zone.a, name, this.zone.ttl ?? 300);
  }
  async aaaa(name: string) {
    this.queries++;
    return fromTable(this.zone.aaaa, name, this.zone.ttl ?? 300);
  }
}
