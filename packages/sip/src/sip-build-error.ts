/**
 * Thrown when the application builds a message that cannot be put on the wire as given: a header name that is not a
 * token, a value or reason phrase with CR or LF (header injection), a method that is not a token, a Request-URI with
 * whitespace, or a status code outside 100–699 (RFC 3261 §7, §25.1).
 */
export class SipBuildError extends Error {
  /** What was wrong: `"header-name"`, `"header-value"`, `"method"`, `"uri"`, `"status"` or `"reason"`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = "SipBuildError";
    this.field = field;
  }
}
