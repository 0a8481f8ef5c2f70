import type { OutgoingRequest, ReplyMessage } from "@uacreg/core";

/** The transport protocols a request can leave over (docs/opensips-behaviour.md §4.3). */
export type SipProtocol = "udp" | "tcp" | "tls";

/**
 * A REGISTER as the engine hands it to the {@link RequestSender}: core's request (request line parts, the header
 * block without Via, the next hop, a forced socket) with the pinned destination carrying the protocol the last reply
 * came over (docs/opensips-behaviour.md §4.3), or the targets the engine resolved before admission. The sender adds
 * the Via, resolves the next hop (RFC 3263) unless given targets or pinned, and retransmits (RFC 3261 §17.1.2).
 */
export interface OutboundRequest extends Omit<OutgoingRequest, "destination"> {
  readonly destination?: { readonly proto: SipProtocol; readonly address: string; readonly port: number };
  /** The next hop's targets, resolved by the engine before admission (RFC 3263 §4): the sender does not resolve. */
  readonly targets?: readonly SendTarget[];
  /**
   * The send guard (docs/cluster.md §6): the sender calls it synchronously right before every write of the request
   * (first send and each retransmission); false: nothing is written and the send ends `{ kind: "fenced" }`.
   */
  readonly guard?: () => boolean;
}

/** One RFC 3263 target of a next hop (RFC 3263 §4): protocol, IP address, port, and the host name for TLS. */
export interface SendTarget {
  readonly proto: SipProtocol;
  readonly address: string;
  readonly port: number;
  readonly hostname?: string;
}

/**
 * How a transaction ended (RFC 3261 §17.1.2): a final reply, Timer F, a transport error, or fenced by the guard. `local` is the canonical
 * spec of the socket the request left from and `proto` its protocol, when the sender knows them. `retransmissions`
 * counts the copies the sender sent again (Timer E, RFC 3261 §17.1.2.2) before this outcome: 0 over TCP/TLS; absent
 * (a sender that does not count them) reads as 0. A reply that needed retransmissions is a congestion signal for the
 * registrar's window (docs/decisions.md "Adaptive in-flight window").
 */
export type SendOutcome = (
  | {
      readonly kind: "response";
      readonly response: ReplyMessage;
      /** Where the reply came from (the pin, docs/opensips-behaviour.md §4.3). */
      readonly remote: { readonly proto?: string; readonly address: string; readonly port: number };
      readonly local?: string;
      readonly proto?: SipProtocol;
    }
  | { readonly kind: "timeout"; readonly local?: string; readonly proto?: SipProtocol }
  | { readonly kind: "transport-error"; readonly error: Error; readonly local?: string; readonly proto?: SipProtocol }
  /** The send guard refused a write (docs/cluster.md §6): not a core event; the unit's loss handles the record. */
  | { readonly kind: "fenced"; readonly local?: string; readonly proto?: SipProtocol }
) & { readonly retransmissions?: number };

/**
 * What the engine needs of a transport (docs/contracts.md): send one request as a client transaction and report its
 * outcome, and tell whether a local socket exists (to validate `forced_socket`). @uacreg/transport's `SipTransport`
 * implements it structurally; engine tests use an in-memory registrar.
 */
export interface RequestSender {
  /** Resolves with the outcome; never rejects for a SIP failure (a rejection is counted as a transport error). */
  send(request: OutboundRequest): Promise<SendOutcome>;
  /**
   * Optional, used instead of {@link send} when present: the same send, its outcome handed to `done` exactly once
   * (a throw counts as a transport error). No promise and no promise reaction per exchange (issue 14: an exchange in
   * flight keeps nothing alive but the transaction). `done` may be called before `sendWith` returns (a local failure):
   * the engine then handles the outcome on a microtask, never inside the dispatch that sent.
   */
  sendWith?(request: OutboundRequest, done: (outcome: SendOutcome) => void): void;
  /** Whether `spec` (`proto:host:port`) is one of the local sockets. */
  hasSocket(spec: string): boolean;
  /**
   * Optional: the targets of `nextHop` when known without a lookup (numeric host, cached answer), else `undefined`.
   * A sender with {@link resolve} lets the engine resolve names outside its in-flight bound (docs/architecture.md).
   */
  resolveNow?(nextHop: string): readonly SendTarget[] | undefined;
  /** Optional: resolves `nextHop` (RFC 3263 §4) without sending; rejects when it does not resolve. */
  resolve?(nextHop: string): Promise<readonly SendTarget[]>;
}
