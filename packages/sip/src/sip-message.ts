import { type HeaderField, HeaderIndex } from "./header-index.js";
import { SipBuildError } from "./sip-build-error.js";
import { isToken } from "./sip-grammar.js";

export type { HeaderField } from "./header-index.js";

const EMPTY_BODY = new Uint8Array(0);
const encoder = new TextEncoder();

/** Fields shared by requests and responses when the application builds one (RFC 3261 §7). */
export interface SipMessageInit {
  /** In wire order. `Content-Length` may be omitted: {@link serializeMessage} always writes the right one. */
  readonly headers?: readonly HeaderField[] | HeaderIndex;
  /** A string body is encoded as UTF-8. */
  readonly body?: Uint8Array | string;
  /** `SIP/2.0` unless given. */
  readonly version?: string;
}

/** A SIP request or response (RFC 3261 §7): start line, header fields in wire order, and the body bytes. */
export abstract class SipMessage {
  readonly body: Uint8Array;
  /** The SIP-Version of the start line, e.g. `SIP/2.0` (other versions are kept so a UAS can answer 505). */
  readonly version: string;
  /** @internal */
  protected readonly index: HeaderIndex;

  protected constructor(init: SipMessageInit) {
    const h = init.headers;
    if (h !== undefined && !(h instanceof HeaderIndex)) checkFields(h);
    this.index =
      h === undefined ? HeaderIndex.fromFields([]) : h instanceof HeaderIndex ? h : HeaderIndex.fromFields(h);
    const b = init.body;
    this.body = b === undefined ? EMPTY_BODY : typeof b === "string" ? encoder.encode(b) : b;
    this.version = init.version ?? "SIP/2.0";
  }

  /** Every header field in wire order (values unfolded and trimmed). */
  get headers(): readonly HeaderField[] {
    return this.index.fields();
  }

  /** The first field's value; `name` in long or compact form, any case. */
  getHeader(name: string): string | undefined {
    return this.index.first(name);
  }

  /** Every field's value in order. A comma-separated list in one field is one entry. */
  getHeaders(name: string): string[] {
    return this.index.all(name);
  }

  /**
   * Whether the first field of `name` has exactly the value `value`: `getHeader(name) === value`, compared where it
   * lies in the message (no string is made of it; e.g. Call-ID matching, RFC 3261 §17.1.3).
   */
  headerIs(name: string, value: string): boolean {
    return this.index.firstIs(name, value);
  }

  hasHeader(name: string): boolean {
    return this.index.first(name) !== undefined;
  }

  /** @internal the field index, for the serializer. */
  headerIndex(): HeaderIndex {
    return this.index;
  }
}

export interface SipRequestInit extends SipMessageInit {
  readonly method: string;
  readonly uri: string;
}

/** Request = Request-Line *( message-header ) CRLF [ message-body ] (RFC 3261 §7.1). */
export class SipRequest extends SipMessage {
  readonly method: string;
  /** The Request-URI as on the wire; {@link parseUri} gives its parts. */
  readonly uri: string;

  constructor(init: SipRequestInit) {
    super(init);
    if (!(init.headers instanceof HeaderIndex)) {
      if (!isToken(init.method))
        throw new SipBuildError("method", `method ${JSON.stringify(init.method)} is not a token`);
      if (init.uri.length === 0 || hasWhitespaceOrControl(init.uri)) {
        throw new SipBuildError("uri", `Request-URI ${JSON.stringify(init.uri)} is empty or has whitespace`);
      }
    }
    this.method = init.method;
    this.uri = init.uri;
  }
}

export interface SipResponseInit extends SipMessageInit {
  readonly status: number;
  readonly reason: string;
}

/** Response = Status-Line *( message-header ) CRLF [ message-body ] (RFC 3261 §7.2). */
export class SipResponse extends SipMessage {
  readonly status: number;
  readonly reason: string;

  constructor(init: SipResponseInit) {
    super(init);
    if (!(init.headers instanceof HeaderIndex)) {
      if (!Number.isInteger(init.status) || init.status < 100 || init.status > 699) {
        throw new SipBuildError("status", `status ${init.status} is not in 100-699`);
      }
      if (hasLineBreak(init.reason)) throw new SipBuildError("reason", "reason phrase contains CR or LF");
    }
    this.status = init.status;
    this.reason = init.reason;
  }
}

function hasLineBreak(s: string): boolean {
  return s.includes("\r") || s.includes("\n");
}

function hasWhitespaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Header names must be tokens and values must not break the line (no header injection, RFC 3261 §7.3.1). */
function checkFields(fields: readonly HeaderField[]): void {
  for (const f of fields) {
    if (!isToken(f.name))
      throw new SipBuildError("header-name", `header name ${JSON.stringify(f.name)} is not a token`);
    if (hasLineBreak(f.value)) throw new SipBuildError("header-value", `value of ${f.name} contains CR or LF`);
  }
}
