/**
 * What the transport counts; {@link TransportCounterSet.snapshot} returns a plain object the daemon exports
 * (Prometheus / MI). Keys of the per-method maps come from {@link COUNTED_METHODS} (any other method name counts as
 * `other`), of the per-class maps `1xx`…`6xx` (anything else: `other`): a key never comes from the network, so a peer
 * sending a new method name per datagram cannot grow the counters or the daemon's metric series.
 */
/** The method names counted by name (RFC 3261 §7.1 and the RFCs of §27.4's registry a UA may see); others: `other`. */
export const COUNTED_METHODS = [
  "REGISTER",
  "OPTIONS",
  "INVITE",
  "ACK",
  "BYE",
  "CANCEL",
  "NOTIFY",
  "SUBSCRIBE",
  "INFO",
  "MESSAGE",
  "PRACK",
  "UPDATE",
  "REFER",
  "PUBLISH",
] as const;

const COUNTED_METHOD_SET: ReadonlySet<string> = new Set(COUNTED_METHODS);

/** The counter key of a method name: itself when it is one of {@link COUNTED_METHODS}, else `other`. */
export function methodKey(method: string): string {
  return COUNTED_METHOD_SET.has(method) ? method : "other";
}

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
  /** Responses whose top Via sent-by is not the one we inserted (RFC 3261 §18.1.2), dropped. */
  foreignSentBy: number;
  /** Open TCP/TLS connections (both directions). */
  openConnections: number;
  /** Accepted connections closed at once: over the total or per-source cap (`inbound` of the options). */
  refusedConnections: number;
  /** Connections closed because a message begun on them was not completed in time (`inbound.headerTimeoutMs`). */
  headerTimeouts: number;
  /** Outbound connections given up because TCP connect or the TLS handshake was not done in time (`connectTimeoutMs`). */
  connectTimeouts: number;
  /**
   * Writes not made because the request's send guard said no (docs/cluster.md §6): each ended its transaction as
   * `fenced` (first sends and Timer E retransmissions alike).
   */
  sendsSuppressed: number;
  /**
   * Requests over 1300 bytes sent as UDP datagrams (RFC 3261 §18.1.1: no TCP socket of the family, or the peer
   * refused TCP): the IP layer fragments them.
   */
  largeUdpRequests: number;
  /** Of those, the retries over UDP after the peer refused the TCP connection (RFC 3261 §18.1.1). */
  udpFallbacks: number;
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
    foreignSentBy: 0,
    openConnections: 0,
    refusedConnections: 0,
    headerTimeouts: 0,
    connectTimeouts: 0,
    sendsSuppressed: 0,
    largeUdpRequests: 0,
    udpFallbacks: 0,
    inFlight: 0,
  };

  /** Counts one `method` (see {@link methodKey}) in a per-method map. */
  bumpMethod(map: Record<string, number>, method: string): void {
    const key = methodKey(method);
    map[key] = (map[key] ?? 0) + 1;
  }

  /** Counts one response of `status` (see {@link statusClass}) in a per-class map. */
  bumpStatus(map: Record<string, number>, status: number): void {
    const key = statusClass(status);
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

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx"] as const;

/** `2xx` for 200..299, `other` outside 100..699 (RFC 3261 §21; no string built per response). */
export function statusClass(status: number): string {
  return CLASSES[Math.floor(status / 100) - 1] ?? "other";
}

/**
 * Every name the daemon can see in a {@link TransportCounters} snapshot once nested maps are flattened with `_`
 * (`requestsReceived_OPTIONS`, `responsesSent_5xx`, `dropped`…): the fixed label set of its metrics.
 */
export const TRANSPORT_COUNTER_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [key, value] of Object.entries(new TransportCounterSet().c)) {
    if (typeof value === "number") names.push(key);
    else if (key === "requestsSent" || key === "requestsReceived") {
      for (const m of [...COUNTED_METHODS, "other"]) names.push(`${key}_${m}`);
    } else for (const k of [...CLASSES, "other"]) names.push(`${key}_${k}`);
  }
  return names;
})();
