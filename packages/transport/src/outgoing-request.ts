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

/**
 * The request bytes: request line, our Via (RFC 3261 §18.1.1 sent-by, §8.1.1.7 branch, RFC 3581 `;rport`), the
 * caller's headers, the empty line and the body. One string concatenation and one buffer write; the body is copied
 * once when present.
 */
export function encodeRequest(req: OutgoingRequest, proto: TransportProtocol, sentBy: string, branch: string): Buffer {
  const head = `${req.method} ${req.requestUri} SIP/2.0\r\nVia: SIP/2.0/${VIA_PROTO[proto]} ${sentBy};branch=${branch};rport\r\n${req.headers}\r\n`;
  const body = req.body;
  if (body === undefined || body.length === 0) return Buffer.from(head, "utf8");
  const headLen = Buffer.byteLength(head, "utf8");
  const buf = Buffer.allocUnsafe(headLen + body.length);
  buf.write(head, 0, "utf8");
  buf.set(body, headLen);
  return buf;
}
