/**
 * OpenSIPS `core_hash` (hash_func.h), the hash uac_registrant uses to place a record in a bucket
 * (docs/opensips-behaviour.md §2.3).
 *
 * 32-bit unsigned arithmetic over the string's bytes taken as C `char`, which is signed on x86: bytes ≥ 0x80 are
 * sign-extended before they are shifted and added. Each 4-byte big-endian word v adds `v ^ (v >> 3)` to h; the 0–3
 * leftover bytes are packed the same way (v = 0 when there are none) and added once more; finally
 * `h = (h + (h >> 11)) + ((h >> 13) + (h >> 23))`. JavaScript strings are hashed as their UTF-8 bytes, which is what
 * OpenSIPS sees when it reads the row from the database.
 *
 * @returns the unmasked unsigned 32-bit hash
 */
export function coreHash(text: string): number {
  const ascii = hashAscii(text);
  if (ascii >= 0) return ascii;
  const bytes = encoder.encode(text);
  return hashBytes(bytes.length, (i) => {
    const b = bytes[i] ?? 0;
    return b >= 0x80 ? b - 0x100 : b; // C char is signed: sign-extend
  });
}

/** The bucket of an AOR in a table of `bucketCount` (a power of two) buckets: `core_hash(AOR) & (H − 1)` (§2.3). */
export function bucketOf(aor: string, bucketCount: number): number {
  return coreHash(aor) & (bucketCount - 1);
}

const encoder = new TextEncoder();

/**
 * {@link hashBytes} over an ASCII string's characters (its UTF-8 bytes, all below 0x80: no sign extension), read
 * directly: every record inserted hashes its AOR here, so no closure per call. -1 (never a hash: those are unsigned)
 * at the first character from 0x80 on, found in the same pass instead of a scan of its own first.
 */
function hashAscii(text: string): number {
  const len = text.length;
  let h = 0;
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    const c0 = text.charCodeAt(p);
    const c1 = text.charCodeAt(p + 1);
    const c2 = text.charCodeAt(p + 2);
    const c3 = text.charCodeAt(p + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return -1;
    const v = ((c0 << 24) + (c1 << 16) + (c2 << 8) + c3) >>> 0;
    h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  }
  let v = 0;
  for (; p < len; p++) {
    const c = text.charCodeAt(p);
    if (c >= 0x80) return -1;
    v = ((v << 8) + c) >>> 0;
  }
  h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  return (h + (h >>> 11) + ((h >>> 13) + (h >>> 23))) >>> 0;
}

/** The hash over `len` signed chars read through `at`. */
function hashBytes(len: number, at: (i: number) => number): number {
  let h = 0;
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    const v = ((at(p) << 24) + (at(p + 1) << 16) + (at(p + 2) << 8) + at(p + 3)) >>> 0;
    h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  }
  let v = 0;
  for (; p < len; p++) v = ((v << 8) + at(p)) >>> 0;
  h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  return (h + (h >>> 11) + ((h >>> 13) + (h >>> 23))) >>> 0;
}
