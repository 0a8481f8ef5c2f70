import type { SipResponse } from "@uacreg/sip";
import type { TransportProtocol } from "./socket-spec.js";

/**
 * The local socket a request left from: its canonical spec and its protocol, always together (the engine reads the
 * protocol here instead of slicing the spec text).
 */
export type LocalSocketOf = { local: string; proto: TransportProtocol } | { local?: undefined; proto?: undefined };

/** How a request ended. `send` never rejects: every failure is one of these. */
export type TransactionOutcome =
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
  | ({ kind: "transport-error"; error: Error } & LocalSocketOf);

/** The outcome of a send that failed with `error` before any socket was chosen (no `local`, no `proto`). */
export function failedOutcome(error: Error): TransactionOutcome {
  return { kind: "transport-error", error };
}

/** `err` as an Error (anything can be thrown). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
