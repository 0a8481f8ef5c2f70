import { type HeaderField, HeaderIndex } from "./header-index.js";

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
    this.status = init.status;
    this.reason = init.reason;
  }
}
