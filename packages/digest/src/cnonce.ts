import { DigestError } from "./digest-error.js";

/** Bytes of randomness in a cnonce: 128 bits, printed as 32 lowercase hex digits. */
export const CNONCE_BYTES = 16;

/**
 * A client nonce (RFC 7616 §3.4: "an opaque quoted ASCII-only string value provided by the client") from the caller's
 * random source, as lowercase hex. OpenSIPS uses the decimal core_hash(nonce) instead (reference §10); uacreg
 * decided on a random cnonce (design/decisions.md).
 */
export function newCnonce(randomBytes: (n: number) => Uint8Array, bytes: number = CNONCE_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < 4 || bytes > 256)
    throw new DigestError("bad-input", "cnonce size out of range");
  const random = randomBytes(bytes);
  if (!(random instanceof Uint8Array) || random.length < bytes) {
    throw new DigestError("bad-input", `random source returned fewer than ${bytes} bytes`);
  }
  let hex = "";
  for (let i = 0; i < bytes; i++) hex += (random[i] as number).toString(16).padStart(2, "0");
  return hex;
}
