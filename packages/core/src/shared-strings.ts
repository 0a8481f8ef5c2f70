/**
 * Strings many records hold the same value of (the registrar, the outbound proxy, a realm, the User-Agent block):
 * every row read from the database brings its own copy, so a million rows for one registrar would hold a million
 * equal strings. Interning keeps one canonical copy per value. Bounded: past {@link LIMIT} distinct values the table
 * is emptied and starts again (only sharing is lost, never correctness).
 */
const LIMIT = 4096;
const table = new Map<string, string>();

/** The canonical copy of `value` (the first one seen). */
export function intern(value: string): string {
  const hit = table.get(value);
  if (hit !== undefined) return hit;
  if (table.size >= LIMIT) table.clear();
  const own = ownCopy(value);
  table.set(own, own);
  return own;
}

/**
 * A copy of `value` that holds nothing else alive. A value cut out of a larger string (a header parameter sliced out
 * of a received message) keeps that whole message in memory as long as it lives; a value kept in a record for hours
 * must not. Flat one-byte copies are made in one step; other strings are returned as they are.
 */
export function ownCopy(value: string): string {
  // The `+ ""` of a template literal returns the same string; a round trip through latin1 bytes makes a new flat one.
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return value;
  return Buffer.from(value, "latin1").toString("latin1");
}
