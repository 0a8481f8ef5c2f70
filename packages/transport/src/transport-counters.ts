/**
 * What the transport counts; {@link TransportCounterSet.snapshot} returns a plain object the daemon exports
 * (Prometheus / MI). Keys of the per-method maps are method names, of the per-class maps `1xx`…`6xx`.
 */
export interface TransportCounters {
  /** Requests sent, first transmission of each client transaction, by method. */
  requestsSent: Record<string, number>;
  /** Requests received from the network, by method. */
  requestsReceived: Record<string, number>;
  /** Responses received that matched a transaction, by status class (retransmissions absorbed included). */
  responsesReceived: Record<string, number>;
  /** Responses we sent (OPTIONS 200, 405, 501), by status class. */
  responsesSent: Record<string, number>;
  /** Timer E retransmissions. */
  retransmissions: number;
  /** Transactions that ended at Timer F. */
  timeouts: number;
  /** Transactions that ended in a transport error (connection refused or broken, send error). */
  transportErrors: number;
  /** Times a request moved on to the next RFC 3263 target (503, timeout or transport error). */
  failovers: number;
  /** Messages dropped for any reason (parse errors and unmatched responses included). */
  dropped: number;
  /** Datagrams / stream data that did not parse as SIP. */
  parseErrors: number;
  /** Responses that matched no client transaction (§17.1.3), or matched the branch but not Call-ID/CSeq. */
  unmatchedResponses: number;
  /** Open TCP/TLS connections (both directions). */
  openConnections: number;
  /** Sends in progress (handed to `send`, not yet resolved). The transport does not bound them: the engine does. */
  inFlight: number;
}

export class TransportCounterSet {
  readonly c: TransportCounters = {
    requestsSent: {},
    requestsReceived: {},
    responsesReceived: {},
    responsesSent: {},
    retransmissions: 0,
    timeouts: 0,
    transportErrors: 0,
    failovers: 0,
    dropped: 0,
    parseErrors: 0,
    unmatchedResponses: 0,
    openConnections: 0,
    inFlight: 0,
  };

  bump(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }

  /** A deep copy, safe to hand out. */
  snapshot(): TransportCounters {
    const c = this.c;
    return {
      ...c,
      requestsSent: { ...c.requestsSent },
      requestsReceived: { ...c.requestsReceived },
      responsesReceived: { ...c.responsesReceived },
      responsesSent: { ...c.responsesSent },
    };
  }
}

const CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"];

/** `2xx` for 200..299 (no string built per response). */
export function statusClass(status: number): string {
  return CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}
