/**
 * The resolver's TTL cache (RFC 1035 §3.2.1 TTL, RFC 2308 §5 negative answers, §7 failures), bounded: its keys come
 * from DNS answers (NAPTR replacements, SRV targets), so a hostile server returning fresh names with TTL 0 must not
 * grow it (issue 10 item 2, "every map that grows from network input").
 *
 * - An expired entry is never answered, and expired entries are removed by a sweep that runs at most once per
 *   {@link SWEEP_INTERVAL_MS} of the resolver's clock, on the next lookup or store (no timer of its own, so the
 *   cache never keeps a process or a virtual clock busy; the sweep costs at most `capacity` steps per interval).
 * - At `capacity` entries, storing a new key drops the least recently used one (a Map keeps insertion order and a hit
 *   moves its key to the end), so the registrar names in use survive a flood of one-shot names. Each drop is counted.
 */
export class ResolverCache<V> {
  private readonly entries = new Map<string, { readonly expires: number; readonly value: V }>();
  private nextSweep = Number.NEGATIVE_INFINITY;
  private expiredCount = 0;
  private evictedCount = 0;

  constructor(
    private readonly capacity: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`cache capacity must be ≥ 1, got ${capacity}`);
  }

  /** The live value of `key`, `undefined` when absent or expired; a hit becomes the most recently used entry. */
  get(key: string): V | undefined {
    const now = this.now();
    this.sweep(now);
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expires <= now) {
      this.entries.delete(key);
      this.expiredCount++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Stores `value` until `expires` (clock milliseconds), dropping the least recently used entry when full. */
  set(key: string, value: V, expires: number): void {
    this.sweep(this.now());
    this.entries.delete(key);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictedCount++;
    }
    this.entries.set(key, { expires, value });
  }

  /** Entries held now (expired ones not yet swept included), entries removed on expiry, entries dropped when full. */
  stats(): ResolverCacheStats {
    return { entries: this.entries.size, expired: this.expiredCount, evicted: this.evictedCount };
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, entry] of this.entries) {
      if (entry.expires <= now) {
        this.entries.delete(key);
        this.expiredCount++;
      }
    }
  }
}

/** What {@link ResolverCache.stats} reports (the resolver's `cacheStats()`). */
export interface ResolverCacheStats {
  readonly entries: number;
  readonly expired: number;
  readonly evicted: number;
}

/** How often, at most, the cache walks its entries to remove the expired ones (clock milliseconds). */
export const SWEEP_INTERVAL_MS = 1000;

/** Default number of cached DNS answers and failures (name and type pairs). */
export const DEFAULT_CACHE_SIZE = 10_000;
