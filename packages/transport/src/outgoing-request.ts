import type { Target } from "./rfc3263-resolver.js";
import type { TransportProtocol } from "./socket-spec.js";

/** A request handed to the transport. The transport adds only the Via header (first). */
export interface OutgoingRequest {
  readonly method: string;
  readonly requestUri: string;
  /** Every header line except Via, each ending in "\r\n", Content-Length included. */
  readonly headers: string;
  readonly body?: Uint8Array;
  readonly callId: string;
  readonly cseq: number;
  /** SIP URI to resolve (the outbound proxy if set, else the registrar), RFC 3263. */
  readonly nextHop: string;
  /** Forced local socket spec (`forced_socket`), e.g. `udp:127.0.0.1:5060`. */
  readonly socket?: string;
  /** Pinned destination: skip DNS (docs/opensips-behaviour.md §4.3, destination pinning). */
  readonly destination?: { proto: TransportProtocol; address: string; port: number };
  /**
   * The next hop's RFC 3263 targets, already resolved by the caller ({@link SipTransport.resolve}): planned as they
   * are, no lookup. Ignored when `destination` is pinned.
   */
  readonly targets?: readonly Target[];
  /**
   * The send guard (docs/cluster.md §6): called synchronously right before EVERY write of this request (the first
   * send and each Timer E retransmission, UDP and streams, each RFC 3263 attempt). False (or a throw) writes nothing
   * and ends the send with a `fenced` outcome, counted in `sendsSuppressed`. Absent: every write is allowed.
   */
  readonly guard?: () => boolean;
}

const VIA_PROTO: Record<TransportProtocol, string> = { udp: "UDP", tcp: "TCP", tls: "TLS" };

/** The fixed text between the parts of the request line and our Via. */
const SIP_VERSION_VIA = " SIP/2.0\r\nVia: SIP/2.0/";
const BRANCH = ";branch=";
const RPORT_CRLF = ";rport\r\n";
const CRLF = "\r\n";

/**
 * The request bytes: request line, our Via (RFC 3261 §18.1.1 sent-by, §8.1.1.7 branch, RFC 3581 `;rport`), the
 * caller's headers, the empty line and the body. Each part is written straight into one buffer of exactly the
 * request's length (from the pool for small ones): no concatenated string is built, flattened and copied, so the
 * buffer (kept for Timer E retransmissions) is the only thing an encode leaves behind (docs/performance.md,
 * "Transport and SIP codec per exchange").
 */
export function encodeRequest(req: OutgoingRequest, proto: TransportProtocol, sentBy: string, branch: string): Buffer {
  return encode(req, proto, sentBy, branch, -1);
}

/**
 * {@link encodeRequest} with the branch `branchStart` followed by `id` in base 36 (as
 * {@link BranchGenerator.branchOf} writes it), the digits written straight into the buffer: no branch string.
 */
export function encodeRequestWithBranchId(
  req: OutgoingRequest,
  proto: TransportProtocol,
  sentBy: string,
  branchStart: string,
  id: number,
): Buffer {
  return encode(req, proto, sentBy, branchStart, id);
}

/** Base-36 digits of a branch number, lower case (Number.prototype.toString(36)). */
const DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz";

function base36Length(id: number): number {
  let n = 1;
  for (let v = id; v >= 36; v = Math.floor(v / 36)) n++;
  return n;
}

/**
 * The fixed middle of a request (` SIP/2.0\r\nVia: SIP/2.0/<PROTO> <sent-by>;branch=<branch start>`), encoded once per
 * socket and branch start: it is the same for every request a socket sends, so it goes into the buffer with one copy
 * instead of six writes across into C++ (and four byte-length counts). A few entries: a transport has few sockets.
 */
interface Middle {
  proto: TransportProtocol;
  sentBy: string;
  branch: string;
  bytes: Buffer;
}
const MIDDLES: Middle[] = [];
const MAX_MIDDLES = 8;

function middleOf(proto: TransportProtocol, sentBy: string, branch: string): Buffer {
  for (let k = 0; k < MIDDLES.length; k++) {
    const m = MIDDLES[k]!;
    if (m.sentBy === sentBy && m.branch === branch && m.proto === proto) return m.bytes;
  }
  const bytes = Buffer.from(`${SIP_VERSION_VIA}${VIA_PROTO[proto]} ${sentBy}${BRANCH}${branch}`, "utf8");
  if (MIDDLES.length >= MAX_MIDDLES) MIDDLES.shift();
  MIDDLES.push({ proto, sentBy, branch, bytes });
  return bytes;
}

/** The UTF-8 length of `s` when it is ASCII (the request line's method and URI nearly always are), else -1. */
function asciiLength(s: string): number {
  const n = s.length;
  for (let k = 0; k < n; k++) if (s.charCodeAt(k) >= 0x80) return -1;
  return n;
}

/** Writes the ASCII string `s` at `o` byte by byte (short strings: no call into C++). */
function putAscii(buf: Buffer, o: number, s: string): number {
  const n = s.length;
  for (let k = 0; k < n; k++) buf[o + k] = s.charCodeAt(k);
  return o + n;
}

function encode(req: OutgoingRequest, proto: TransportProtocol, sentBy: string, branch: string, id: number): Buffer {
  const body = req.body;
  const bodyLength = body === undefined ? 0 : body.length;
  const middle = middleOf(proto, sentBy, branch);
  const idLength = id < 0 ? 0 : base36Length(id);
  const method = req.method;
  const uri = req.requestUri;
  const methodAscii = asciiLength(method);
  const uriAscii = asciiLength(uri);
  const methodLength = methodAscii >= 0 ? methodAscii : Buffer.byteLength(method, "utf8");
  const uriLength = uriAscii >= 0 ? uriAscii : Buffer.byteLength(uri, "utf8");
  const headLength =
    methodLength +
    1 +
    uriLength +
    middle.length +
    idLength +
    RPORT_CRLF.length +
    Buffer.byteLength(req.headers, "utf8") +
    CRLF.length;
  const buf = Buffer.allocUnsafe(headLength + bodyLength);
  let o = methodAscii >= 0 ? putAscii(buf, 0, method) : buf.write(method, 0, "utf8");
  buf[o++] = 0x20;
  o = uriAscii >= 0 ? putAscii(buf, o, uri) : o + buf.write(uri, o, "utf8");
  buf.set(middle, o);
  o += middle.length;
  if (id >= 0) {
    let v = id;
    for (let k = o + idLength - 1; k >= o; k--) {
      buf[k] = DIGITS36.charCodeAt(v % 36);
      v = Math.floor(v / 36);
    }
    o += idLength;
  }
  o = putAscii(buf, o, RPORT_CRLF);
  o += buf.write(req.headers, o, "utf8");
  buf[o++] = 0x0d;
  buf[o++] = 0x0a;
  if (body !== undefined && bodyLength > 0) buf.set(body, o);
  return buf;
}
