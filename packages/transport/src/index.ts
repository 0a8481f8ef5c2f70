/**
 * @uacreg/transport: all network I/O of uacreg. UDP/TCP/TLS sockets (OpenSIPS `proto:host:port` syntax), RFC 3263
 * next-hop resolution with failover, non-INVITE client transactions (RFC 3261 §17.1.2) and stateless answers.
 */
export { SipTransport } from "./sip-transport.js";
export {
  DEFAULT_INBOUND_LIMITS,
  type InboundLimits,
  type SendHooks,
  type TransportOptions,
} from "./transport-options.js";
export type { TlsSocketOptions } from "./local-socket.js";
export type { LocalSocketOf, TransactionOutcome } from "./transaction-outcome.js";
export type { OutgoingRequest } from "./outgoing-request.js";
export { encodeRequest } from "./outgoing-request.js";
export { DnsResolver, Rfc3263Resolver, StaticResolver } from "./rfc3263-resolver.js";
export type { Resolver, Rfc3263Options, Target } from "./rfc3263-resolver.js";
export type { ResolverCacheStats } from "./rfc3263-resolver-cache.js";
export { InMemoryDnsLookup } from "./dns-lookup.js";
export type { DnsAnswer, DnsLookup, DnsZone, NaptrRecord, SrvRecord } from "./dns-lookup.js";
export { NodeDnsLookup } from "./node-dns-lookup.js";
export { parseNextHop } from "./next-hop.js";
export type { NextHop } from "./next-hop.js";
export { NonInviteClientTransaction } from "./non-invite-client-transaction.js";
export type { NonInviteClientState, ResponseAction, TimerAction } from "./non-invite-client-transaction.js";
export { DEFAULT_TIMERS, transactionTimers } from "./transaction-timers.js";
export type { TransactionTimers } from "./transaction-timers.js";
export { parseSocketSpec, makeSocketSpec, hostPort } from "./socket-spec.js";
export type { SocketSpec, TransportProtocol } from "./socket-spec.js";
export { SocketBindError, SocketSpecError, TransportError } from "./transport-error.js";
export { COUNTED_METHODS, TRANSPORT_COUNTER_NAMES, type TransportCounters } from "./transport-counters.js";
export { BranchGenerator, MAGIC_COOKIE } from "./branch-generator.js";
export { buildStatelessResponse, chooseAnswer, KNOWN_METHODS } from "./stateless-response.js";
