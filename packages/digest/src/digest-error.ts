/** Why a digest operation was refused. */
export type DigestErrorCode =
  /** The WWW-Authenticate / Proxy-Authenticate value breaks RFC 7235 §2.1 / RFC 3261 §25 syntax, or a Digest
   * challenge lacks `realm` / `nonce` or repeats a parameter. */
  | "malformed-challenge"
  /** A Digest challenge names an algorithm (or a qop / -sess combination) this client does not implement. */
  | "unsupported-algorithm"
  /** Only challenges of other schemes (e.g. Basic) were offered. */
  | "unsupported-scheme"
  /** No header value held a challenge that this client can answer. */
  | "no-usable-challenge"
  /** The caller's input is unusable (bad nonce count, empty cnonce, CR/LF in a value, short random source…). */
  | "bad-input";

/**
 * The only error this package throws. Parse errors carry the offset in the header value and a short excerpt of the
 * text there. Messages never contain the password.
 */
export class DigestError extends Error {
  override readonly name = "DigestError";
  readonly code: DigestErrorCode;
  /** Index of the header value (in the array given) where a parse error was found. */
  readonly headerIndex?: number;
  /** Character offset of a parse error inside that header value. */
  readonly offset?: number;
  /** Up to 24 characters of the header value from `offset`. */
  readonly excerpt?: string;

  constructor(
    code: DigestErrorCode,
    message: string,
    where?: { readonly headerIndex?: number; readonly offset?: number; readonly excerpt?: string },
  ) {
    super(message);
    this.code = code;
    if (where?.headerIndex !== undefined) this.headerIndex = where.headerIndex;
    if (where?.offset !== undefined) this.offset = where.offset;
    if (where?.excerpt !== undefined) this.excerpt = where.excerpt;
  }
}
