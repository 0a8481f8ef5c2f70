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
  /** Close a TCP/TLS connection with no transaction after this long without traffic (default 120000 ms). */
  idleTimeoutMs?: number;
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
