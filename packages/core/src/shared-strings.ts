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

/** The two parts {@link ownCopy} joins; cleared after each use. */
const PAIR: string[] = ["", ""];

/**
 * A copy of `value` that holds nothing else alive. A value cut out of a larger string (a header parameter sliced out
 * of a received message) keeps that whole message in memory as long as it lives; a value kept in a record for hours
 * must not. The join of its first code unit and the rest is a new flat string of the same code units (one-byte or
 * two-byte alike), ~3x cheaper than a round trip through a latin1 Buffer; strings shorter than 13 characters are
 * never slices (V8 copies them) and are returned as they are.
 */
export function ownCopy(value: string): string {
  if (value.length < 2) return value;
  PAIR[0] = value.charAt(0);
  PAIR[1] = value.slice(1);
  const copy = PAIR.join("");
  PAIR[1] = "";
  return copy;
}
