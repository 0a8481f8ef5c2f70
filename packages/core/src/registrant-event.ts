import type { Destination } from "./register-request.js";
import type { RegistrantConfig } from "./registrant-config.js";

/**
 * The parts of a SIP response core reads. @uacreg/sip's SipResponse satisfies it; the engine may pass it as is.
 */
export interface ReplyMessage {
  readonly status: number;
  readonly reason?: string;
  getHeader(name: string): string | undefined;
  getHeaders(name: string): readonly string[];
}

/** Identifies the request an outcome belongs to (the engine knows it from the transaction). */
export interface RequestId {
  readonly callId: string;
  readonly cseq: number;
}

/** Events a record reacts to (visit, reply, timeout, MI command, reload, tag change, shutdown). */
export type RegistrantEvent =
  /** A bucket visit of the scheduler (§3). The engine skips records whose sharing tag is not active (§7). */
  | { readonly type: "visit" }
  /**
   * A final or provisional reply. `request` defaults to the reply's Call-ID and CSeq; `destination` is the IP:port the
   * request went to, for pinning (§4.3; only for replies really received).
   */
  | {
      readonly type: "response";
      readonly response: ReplyMessage;
      readonly request?: RequestId;
      readonly destination?: Destination;
    }
  /** No final reply (Timer F, RFC 3261 §17.1.2.2; OpenSIPS' local 408). */
  | { readonly type: "timeout"; readonly request: RequestId }
  /** The request could not be sent (RFC 3261 §18.4 transport error, no target left). */
  | { readonly type: "transport-error"; readonly request: RequestId; readonly message?: string }
  | { readonly type: "enable" }
  | { readonly type: "disable" }
  | { readonly type: "force-register" }
  /** MI reg_delete / the row disappeared on reload: unREGISTER if REGISTERED. The engine drops the record after. */
  | { readonly type: "delete" }
  /** The record's row was read again (full or per-record reload, upsert) and validated. */
  | { readonly type: "reload"; readonly config: RegistrantConfig }
  /** The record's sharing tag changed state on this node (§7). */
  | { readonly type: "tag"; readonly state: "active" | "backup" }
  | { readonly type: "shutdown"; readonly unregister: boolean }
  /**
   * The record's unit of ownership was taken over by this node (docs/cluster.md §4): continue the registration
   * identity another owner used. `cseq` is the last CSeq taken as used (the next request carries `cseq + 1`).
   */
  | { readonly type: "adopt-dialog"; readonly callId: string; readonly fromTag: string; readonly cseq: number };
