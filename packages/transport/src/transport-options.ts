import type { Clock, Logger } from "@uacreg/runtime";
import type { SipResponse } from "@uacreg/sip";
import type { TlsSocketOptions } from "./local-socket.js";
import type { Resolver } from "./rfc3263-resolver.js";

/** Options of `SipTransport.open`. */
export interface TransportOptions {
  /** Sockets to bind, OpenSIPS syntax `proto:host:port`; port 0 lets the OS choose (see `SipTransport.sockets`). */
  listen: string[];
  /** tm timers: `T1_timer` ms (500), `T2_timer` ms (4000), `fr_timeout` s (30); T4 ms (5000, RFC 3261). */
  timers?: { t1Ms?: number; t2Ms?: number; frTimeoutS?: number; t4Ms?: number };
  /** TLS settings by socket spec (as written in `listen`). */
  tls?: Record<string, TlsSocketOptions>;
  /** Next-hop resolution (default: `DnsResolver`, RFC 3263 over node:dns, on the same clock). */
  resolver?: Resolver;
  /** Close a TCP/TLS connection with no transaction after this long without a whole message (default 120000 ms). */
  idleTimeoutMs?: number;
  /**
   * Give up an outbound TCP/TLS connection whose connect (and TLS handshake) is not done after this long (default
   * {@link DEFAULT_CONNECT_TIMEOUT_MS}): its transactions fail with a `connect-failed` transport error naming the
   * stall, and the send fails over to the next target (RFC 3263 §4.3) well before Timer F.
   */
  connectTimeoutMs?: number;
  /** Limits on accepted (inbound) TCP/TLS connections; see {@link InboundLimits}. */
  inbound?: Partial<InboundLimits>;
  /** UDP socket receive/send buffer size asked of the kernel (default 4 MiB; capped by net.core.rmem_max/wmem_max). */
  udpBufferBytes?: number;
  /** `Server:` header value of our OPTIONS / 405 / 501 answers (none when unset). */
  userAgent?: string;
  /** Default `SILENT_LOGGER` of @uacreg/runtime. */
  logger?: Logger;
  /** The one clock: transaction timers, connection idle close, DNS TTLs (default `systemClock` of @uacreg/runtime). */
  clock?: Clock;
  /** Random hex for branches and tags (default: 8 bytes from node:crypto). */
  randomHex?: string;
}

export interface SendHooks {
  /** Called for every 1xx (RFC 3261 §17.1.2.2: passed to the TU). Exceptions are caught and logged. */
  onProvisional?(r: SipResponse): void;
}

/**
 * Limits on accepted TCP/TLS connections, so that peers cannot take every file descriptor of the process (the MI
 * and our outbound connections need some): connections beyond a cap are closed as soon as they are accepted.
 */
export interface InboundLimits {
  /** Accepted connections open at once, all sources together (default 256). */
  maxConnections: number;
  /** Accepted connections open at once from one source address (default 16). */
  maxPerSource: number;
  /**
   * An accepted connection that has begun a message and not completed it within this many ms is closed (default
   * 10000): data arriving byte by byte does not keep it open (slowloris). Outbound connections are not cut by it: a
   * registrar's slow reply is bounded by its transaction's Timer F, and the idle close applies once none waits.
   */
  headerTimeoutMs: number;
}

/** The default of `connectTimeoutMs`: 10 s, below the default Timer F (30 s) so failover still has time. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export const DEFAULT_INBOUND_LIMITS: InboundLimits = { maxConnections: 256, maxPerSource: 16, headerTimeoutMs: 10_000 };
