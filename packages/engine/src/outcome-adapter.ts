import type { OutgoingRequest as CoreRequest, RegistrantEvent, RequestId } from "@uacreg/core";
import type { OutboundRequest, SendOutcome, SipProtocol } from "./request-sender.js";

/**
 * The adapter between core and the {@link RequestSender}, both ways: core's request out (with the pin's protocol),
 * the sender's outcome in as core's event. One object per request and one per outcome (plus the pin of a reply):
 * this is the engine's hot path.
 */

/**
 * Core's request as the sender takes it, with the next hop's `targets` when resolved before admission and the
 * cluster's send `guard` (one object per send). A pinned destination (docs/opensips-behaviour.md §4.3) goes back over the
 * protocol the last reply came over; without a known protocol the sender resolves the next hop as usual.
 */
export function outboundRequest(
  r: CoreRequest,
  proto: SipProtocol | undefined,
  targets?: OutboundRequest["targets"],
  guard?: OutboundRequest["guard"],
): OutboundRequest {
  // Every field set, in one order: one object shape for every request, no property store added to it afterwards.
  return {
    method: r.method,
    requestUri: r.requestUri,
    headers: r.headers,
    callId: r.callId,
    cseq: r.cseq,
    nextHop: r.nextHop,
    socket: r.socket,
    destination:
      r.destination !== undefined && proto !== undefined
        ? { proto, address: r.destination.address, port: r.destination.port }
        : undefined,
    targets,
    guard,
  };
}

/**
 * The protocol of an outcome: the sender's `proto`, else (a sender that does not report it) the protocol the reply
 * came over. Undefined for a timeout or a transport error of such a sender.
 */
export function outcomeProtocol(outcome: SendOutcome): SipProtocol | undefined {
  if (outcome.proto !== undefined) return outcome.proto;
  if (outcome.kind !== "response") return undefined;
  const p = outcome.remote.proto;
  return p === "udp" || p === "tcp" || p === "tls" ? p : undefined;
}

/**
 * Core's event for the outcome of the request `request` (Call-ID and CSeq, to match the request in flight). `request`
 * itself is the event's request id (core's request carries both): no copy per outcome.
 */
export function outcomeEvent(outcome: SendOutcome, request: RequestId): RegistrantEvent {
  const id = request;
  if (outcome.kind === "response") {
    const remote = outcome.remote;
    return {
      type: "response",
      response: outcome.response,
      request: id,
      // The sender's remote address is numeric (an RFC 3263 target): a colon means IPv6, without net.isIPv6's regular
      // expression on every reply.
      destination: {
        family: remote.address.includes(":") ? "IPv6" : "IPv4",
        address: remote.address,
        port: remote.port,
      },
    };
  }
  if (outcome.kind === "timeout") return { type: "timeout", request: id };
  // A fenced send never reaches core (the dispatcher counts it); as an event it can only be a local failure.
  if (outcome.kind === "fenced") return { type: "transport-error", request: id, message: "send fenced" };
  return { type: "transport-error", request: id, message: outcome.error.message };
}

/** A rejected send as an outcome (a sender that throws is counted as a transport error, never crashes the engine). */
export function rejectedSend(error: unknown): SendOutcome {
  return { kind: "transport-error", error: error instanceof Error ? error : new Error(String(error)) };
}
