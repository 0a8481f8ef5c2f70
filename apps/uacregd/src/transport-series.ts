/**
 * The transport's counters as Prometheus series (docs/observability.md): one metric family per counter, `…_total`
 * counters for what only grows, gauges for what is open or in progress now; the per-method and per-status-class maps
 * become a `method` or `class` label whose values come from a fixed set. The compiler checks that the table names
 * every key of `TransportCounters`.
 */
import { COUNTED_METHODS, type TransportCounters } from "@uacreg/transport";
import type { SeriesSpec } from "./engine-series.js";

/** A counter split by a label whose values come from a fixed list (anything else is `other`). */
export interface LabelledSeriesSpec {
  readonly name: string;
  readonly help: string;
  readonly label: "method" | "class";
  readonly values: readonly string[];
}

const METHODS: readonly string[] = [...COUNTED_METHODS, "other"];
const CLASSES: readonly string[] = ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "other"];

type MapKeys = "requestsSent" | "requestsReceived" | "responsesReceived" | "responsesSent";

export const TRANSPORT_LABELLED_SERIES: Record<MapKeys, LabelledSeriesSpec> = {
  requestsSent: {
    name: "uacreg_transport_requests_sent_total",
    help: "SIP requests sent, first transmission of each client transaction, by method",
    label: "method",
    values: METHODS,
  },
  requestsReceived: {
    name: "uacreg_transport_requests_received_total",
    help: "SIP requests received from the network, by method",
    label: "method",
    values: METHODS,
  },
  responsesReceived: {
    name: "uacreg_transport_responses_received_total",
    help: "SIP responses received that matched a transaction, by status class",
    label: "class",
    values: CLASSES,
  },
  responsesSent: {
    name: "uacreg_transport_responses_sent_total",
    help: "SIP responses sent (OPTIONS 200, 405, 501), by status class",
    label: "class",
    values: CLASSES,
  },
};

export const TRANSPORT_SERIES: Record<Exclude<keyof TransportCounters, MapKeys>, NonNullable<SeriesSpec>> = {
  retransmissions: {
    name: "uacreg_transport_retransmissions_total",
    type: "counter",
    help: "Timer E retransmissions",
  },
  timeouts: {
    name: "uacreg_transport_transaction_timeouts_total",
    type: "counter",
    help: "Client transactions that ended at Timer F",
  },
  transportErrors: {
    name: "uacreg_transport_errors_total",
    type: "counter",
    help: "Client transactions that ended in a transport error (connection refused or broken, send error)",
  },
  failovers: {
    name: "uacreg_transport_failovers_total",
    type: "counter",
    help: "Requests moved on to the next RFC 3263 target (503, timeout or transport error)",
  },
  dropped: {
    name: "uacreg_transport_messages_dropped_total",
    type: "counter",
    help: "Messages dropped for any reason (parse errors and unmatched responses included)",
  },
  parseErrors: {
    name: "uacreg_transport_parse_errors_total",
    type: "counter",
    help: "Datagrams or stream data that did not parse as SIP",
  },
  unmatchedResponses: {
    name: "uacreg_transport_unmatched_responses_total",
    type: "counter",
    help: "Responses that matched no client transaction",
  },
  foreignSentBy: {
    name: "uacreg_transport_foreign_sent_by_total",
    type: "counter",
    help: "Responses whose top Via sent-by is not ours, dropped (RFC 3261 §18.1.2)",
  },
  openConnections: { name: "uacreg_transport_connections_open", type: "gauge", help: "Open TCP/TLS connections" },
  refusedConnections: {
    name: "uacreg_transport_connections_refused_total",
    type: "counter",
    help: "Accepted connections closed at once (over the total or per-source cap)",
  },
  headerTimeouts: {
    name: "uacreg_transport_header_timeouts_total",
    type: "counter",
    help: "Connections closed because a message begun on them was not completed in time",
  },
  connectTimeouts: {
    name: "uacreg_transport_connect_timeouts_total",
    type: "counter",
    help: "Outbound connections given up: TCP connect or the TLS handshake not done in time",
  },
  sendsSuppressed: {
    name: "uacreg_transport_sends_suppressed_total",
    type: "counter",
    help: "Writes not made because the send guard said no (docs/cluster.md §6)",
  },
  largeUdpRequests: {
    name: "uacreg_transport_large_udp_requests_total",
    type: "counter",
    help: "Requests over 1300 bytes sent as UDP datagrams (RFC 3261 §18.1.1)",
  },
  udpFallbacks: {
    name: "uacreg_transport_udp_fallbacks_total",
    type: "counter",
    help: "Retries over UDP after the peer refused the TCP connection (RFC 3261 §18.1.1)",
  },
  inFlight: {
    name: "uacreg_transport_sends_in_progress",
    type: "gauge",
    help: "Sends handed to the transport and not yet resolved",
  },
};
