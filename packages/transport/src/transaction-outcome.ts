import type { SipResponse } from "@uacreg/sip";
import type { TransportProtocol } from "./socket-spec.js";

/**
 * The local socket a request left from: its canonical spec and its protocol, always together (the engine reads the
 * protocol here instead of slicing the spec text).
 */
export type LocalSocketOf = { local: string; proto: TransportProtocol } | { local?: undefined; proto?: undefined };

/**
 * How a request ended. `send` never rejects: every failure is one of these. `retransmissions` counts the copies of the
 * request sent again by Timer E (RFC 3261 §17.1.2.2) in the client transaction that ended the send (its last RFC 3263
 * attempt) before this outcome: always 0 over TCP/TLS, and 0 when no transaction started. A reply that needed them is
 * a congestion signal for the caller (docs/decisions.md "Adaptive in-flight window").
 */
export type TransactionOutcome = (
  | {
      kind: "response";
      response: SipResponse;
      remote: { proto: string; address: string; port: number };
      /** Canonical spec of the local socket the request left from. */
      local: string;
      /** Protocol of that socket. */
      proto: TransportProtocol;
      /** `received` of our Via as the peer saw it (RFC 3261 §18.2.1). */
      received?: string;
      /** `rport` of our Via as the peer filled it (RFC 3581). */
      rport?: number;
    }
  | ({ kind: "timeout" } & LocalSocketOf)
  | ({ kind: "transport-error"; error: Error } & LocalSocketOf)
  /** The request's send guard refused a write (docs/cluster.md §6): that copy was not sent and the send ended. */
  | ({ kind: "fenced" } & LocalSocketOf)
) & { retransmissions: number };

/** The outcome of a send that failed with `error` before any socket was chosen (no `local`, no `proto`). */
export function failedOutcome(error: Error): TransactionOutcome {
  return { kind: "transport-error", error, retransmissions: 0 };
}

/**
 * Asks the request's send guard (docs/cluster.md §6) whether a write may go out now: true without a guard; a guard
 * that throws counts as a refusal (the unit's ownership cannot be confirmed).
 */
export function writeAllowed(guard: (() => boolean) | undefined): boolean {
  if (guard === undefined) return true;
  try {
    return guard() === true;
  } catch {
    return false;
  }
}

/** `err` as an Error (anything can be thrown). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
