import type { Step } from "./registrant-action.js";
import type { RequestId } from "./registrant-event.js";
import type { RegistrantRecord } from "./registrant-record.js";

/**
 * Outcomes are applied only to the request in flight (same Call-ID and CSeq). OpenSIPS applies any reply whatever the
 * state (§5); uacreg drops late replies of abandoned requests (after a tag flip, a re-send) with a debug line.
 */
export function matchesPending(record: RegistrantRecord, request: RequestId): boolean {
  const p = record.pending;
  return p !== undefined && p.callId === request.callId && p.cseq === request.cseq;
}

/** The record unchanged, with one debug line. */
export function ignoreStale(record: RegistrantRecord, what: string, request: RequestId): Step<RegistrantRecord> {
  return {
    record,
    actions: [
      {
        type: "log",
        level: "debug",
        message: `${what} for Call-ID ${request.callId} CSeq ${request.cseq} ignored: not the request in flight`,
      },
    ],
  };
}
