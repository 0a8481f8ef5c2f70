/**
 * Header field names: case-insensitive, with the compact forms of RFC 3261 §7.3.3 / §20 (and of the extensions
 * that register one: RFC 3265 `o`/`u`, RFC 3515 `r`, RFC 3892 `b`, RFC 4028 `x`, RFC 3841 `a`/`j`/`d`, RFC 4474 `y`/`n`).
 */
const COMPACT: Readonly<Record<string, string>> = {
  a: "accept-contact",
  b: "referred-by",
  c: "content-type",
  d: "request-disposition",
  e: "content-encoding",
  f: "from",
  i: "call-id",
  j: "reject-contact",
  k: "supported",
  l: "content-length",
  m: "contact",
  n: "identity-info",
  o: "event",
  r: "refer-to",
  s: "subject",
  t: "to",
  u: "allow-events",
  v: "via",
  x: "session-expires",
  y: "identity",
};

/** Lookup key → char code of its compact form (`"via"` → `v`). */
const COMPACT_OF = new Map<string, number>(Object.entries(COMPACT).map(([c, key]) => [key, c.charCodeAt(0)]));

/** The lower-case char code of the compact form of a lookup key (`"via"` → 0x76), or -1 when it has none. */
export function compactFormOf(key: string): number {
  return COMPACT_OF.get(key) ?? -1;
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 512;

/** The lookup key of a header name: lower case, compact form expanded (`"V"` → `"via"`, `"Call-ID"` → `"call-id"`). */
export function headerKey(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  // Names from the network are unbounded; only keep a bounded number of them.
  if (cache.size < CACHE_LIMIT) cache.set(name, key);
  return key;
}
