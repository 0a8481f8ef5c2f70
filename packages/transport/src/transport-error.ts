/**
 * Typed errors of the transport layer. Nothing from the network throws: these are raised only for bad local input
 * (a malformed socket spec, a socket that cannot be bound) or carried inside a `transport-error` outcome.
 */

/** A socket spec that is not `proto:host:port` (OpenSIPS `listen=` / `forced_socket` syntax). */
export class SocketSpecError extends Error {
  override readonly name = "SocketSpecError";
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(`invalid socket "${spec}": ${reason}`);
  }
}

/** A listening socket could not be opened (bind error, missing TLS certificate…); names the socket. */
export class SocketBindError extends Error {
  override readonly name = "SocketBindError";
  constructor(
    readonly spec: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot listen on ${spec}: ${reason}`, options);
  }
}

/**
 * A request could not be delivered (RFC 3261 §18: "treated as a 503 / transport error"): connection refused or
 * closed mid-transaction, no local socket for the target's protocol, DNS found nothing.
 */
export class TransportError extends Error {
  override readonly name = "TransportError";
  constructor(
    message: string,
    readonly code:
      | "connect-failed"
      | "connection-closed"
      | "send-failed"
      | "no-socket"
      | "no-target"
      | "resolve-failed"
      | "closed",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
