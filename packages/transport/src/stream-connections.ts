import type net from "node:net";
import type { Clock, Logger } from "@uacreg/runtime";
import { SipStreamParser, type SipRequest, type SipResponse } from "@uacreg/sip";
import { connectStream, type LocalSocket } from "./local-socket.js";
import type { Target } from "./rfc3263-resolver.js";
import { hostPort } from "./socket-spec.js";
import type { ClientTransaction, TransactionCarrier } from "./transaction-layer.js";
import type { TransportCounterSet } from "./transport-counters.js";
import { TransportError } from "./transport-error.js";
import type { InboundLimits } from "./transport-options.js";

/** A TCP/TLS connection, outbound (reused per peer) or accepted. */
export interface StreamConnection extends TransactionCarrier {
  /** `local spec>peer host:port`. */
  readonly key: string;
  readonly socket: net.Socket;
  readonly listener: LocalSocket;
  readonly address: string;
  readonly port: number;
  readonly parser: SipStreamParser;
  /** Established (TCP connected and, for TLS, handshake done). */
  connected: boolean;
  closed: boolean;
  /** Clock time of the last whole message read, or of the last write. */
  lastActive: number;
  /** Accepted (counted against the inbound caps). */
  readonly inbound: boolean;
  /**
   * Accepted connections only: clock time the message being received began (bytes buffered, message incomplete), or
   * undefined. Outbound connections have no such deadline: their replies are bounded by Timer F.
   */
  partialSince: number | undefined;
  /** Outbound, not yet established: the clock time by which TCP connect (and the TLS handshake) must be done. */
  establishBy: number | undefined;
}

/** Where the pool hands what its connections bring. */
export interface StreamEvents {
  /** A complete SIP message arrived on `conn` (RFC 3261 §18.3 framing by Content-Length). */
  message(msg: SipRequest | SipResponse, conn: StreamConnection): void;
  /** `tx` was on a connection that broke (RFC 3261 §17.1.4): it fails now, not at Timer F. */
  broken(tx: ClientTransaction, error: TransportError): void;
  /** The idle check moved earlier, to `deadline`: {@link StreamConnectionPool.poll} must run no later. */
  filed(deadline: number): void;
}

/** How long the pool gives each kind of stream. */
export interface StreamTimeouts {
  /** A connection with no transaction and no whole message for this long is closed. */
  readonly idleMs: number;
  /** An outbound connection not established (TCP connect, TLS handshake) within this long is given up. */
  readonly establishMs: number;
}

/**
 * The TCP/TLS connections of a transport: one reusable connection per (local socket, peer) — a forced socket never
 * borrows another socket's connection — plus the accepted ones, with stream framing, failure of a broken connection's
 * transactions, and idle close. Idle close reads the transport's clock: {@link nextDeadline} is the next idle check,
 * which the transport's one timer serves through {@link poll} (no socket timer per connection). The same check gives
 * up an outbound connection whose TCP connect or TLS handshake is not done in {@link StreamTimeouts.establishMs}
 * (a peer that accepts and never answers the ClientHello would otherwise hold it for Node's 120 s), and closes an
 * accepted one whose message is not completed in {@link InboundLimits.headerTimeoutMs}.
 */
export class StreamConnectionPool {
  /** Reusable connections by key. */
  private readonly byKey = new Map<string, StreamConnection>();
  /** Every open connection (accepted ones may share a key). */
  private readonly open = new Set<StreamConnection>();
  /** The next idle check, or undefined with no connection. */
  private checkAt: number | undefined = undefined;
  /** Accepted connections open now, and per source address (entries only for sources with one open). */
  private inboundOpen = 0;
  private readonly inboundBySource = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly timeouts: StreamTimeouts,
    private readonly limits: InboundLimits,
    private readonly counters: TransportCounterSet,
    private readonly logger: Logger,
    private readonly events: StreamEvents,
  ) {}

  /** Open connections (both directions). */
  get size(): number {
    return this.open.size;
  }

  /** When {@link poll} is due next (an idle check), or undefined. */
  nextDeadline(): number | undefined {
    return this.checkAt;
  }

  /**
   * Writes `tx`'s request on the connection from its socket to its target, opening one if needed.
   * @throws when the connection cannot even be started (bad address)
   */
  send(tx: ClientTransaction): void {
    const conn = this.connectionFor(tx.listener, tx.target);
    tx.conn = conn;
    conn.transactions.add(tx);
    conn.lastActive = this.clock.now();
    conn.socket.write(tx.bytes);
  }

  /** Writes an answer on `conn`; false when the connection is closed already. */
  reply(conn: StreamConnection, bytes: Buffer): boolean {
    if (conn.closed) return false;
    conn.lastActive = this.clock.now();
    conn.socket.write(bytes);
    return true;
  }

  /**
   * An accepted connection: closed at once when the total or its source's cap is reached (the descriptors left are
   * for the MI and our own connections), else adopted.
   */
  accept(socket: net.Socket, listener: LocalSocket): void {
    const source = socket.remoteAddress ?? "";
    const fromSource = this.inboundBySource.get(source) ?? 0;
    if (this.inboundOpen >= this.limits.maxConnections || fromSource >= this.limits.maxPerSource) {
      this.counters.c.refusedConnections++;
      this.logger.debug({ from: source, open: this.inboundOpen }, "inbound connection over the cap; closed");
      socket.destroy();
      return;
    }
    this.inboundOpen++;
    this.inboundBySource.set(source, fromSource + 1);
    this.adopt(socket, listener);
  }

  /** Wires a stream socket (outbound or accepted): framing, idle close, failure of its transactions. */
  adopt(socket: net.Socket, listener: LocalSocket, target?: Target): StreamConnection {
    const now = this.clock.now();
    const address = target?.address ?? socket.remoteAddress ?? "";
    const port = target?.port ?? socket.remotePort ?? 0;
    const conn: StreamConnection = {
      key: `${listener.spec.canonical}>${hostPort(address, port)}`,
      socket,
      listener,
      address,
      port,
      parser: new SipStreamParser(),
      transactions: new Set(),
      connected: target === undefined,
      closed: false,
      lastActive: now,
      inbound: target === undefined,
      partialSince: undefined,
      establishBy: target === undefined ? undefined : now + this.timeouts.establishMs,
    };
    if (target !== undefined) {
      socket.once(target.proto === "tls" ? "secureConnect" : "connect", () => {
        conn.connected = true;
        conn.establishBy = undefined;
      });
    }
    const previous = this.byKey.get(conn.key);
    if (previous === undefined || previous.closed) this.byKey.set(conn.key, conn);
    this.open.add(conn);
    const check = Math.min(now + this.timeouts.idleMs, conn.establishBy ?? Number.POSITIVE_INFINITY);
    if (this.checkAt === undefined || check < this.checkAt) {
      this.checkAt = check;
      this.events.filed(check);
    }
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(conn, chunk));
    socket.on("error", (err) => {
      this.logger.debug({ peer: conn.key, err: err.message }, "connection error");
      this.broken(conn, err);
    });
    socket.on("close", () => this.broken(conn, undefined));
    return conn;
  }

  /**
   * The idle check at `now`: closes every connection without a transaction and without traffic for the idle timeout;
   * one that still carries transactions gets another full period (as a socket timeout re-armed would).
   */
  poll(now: number): void {
    if (this.checkAt === undefined || now < this.checkAt) return;
    let next: number | undefined;
    for (const conn of [...this.open]) {
      if (conn.establishBy !== undefined && !conn.connected) {
        if (conn.establishBy <= now) {
          this.stalled(conn);
          continue;
        }
        if (next === undefined || conn.establishBy < next) next = conn.establishBy;
      }
      if (conn.partialSince !== undefined) {
        const deadline = conn.partialSince + this.limits.headerTimeoutMs;
        if (deadline <= now) {
          this.counters.c.headerTimeouts++;
          this.logger.debug({ peer: conn.key }, "message not completed in time; closing the connection");
          conn.socket.destroy();
          continue;
        }
        if (next === undefined || deadline < next) next = deadline;
      }
      const idleMs = this.timeouts.idleMs;
      let due = conn.lastActive + idleMs;
      if (due <= now) {
        if (conn.transactions.size === 0) {
          conn.socket.destroy();
          continue;
        }
        conn.lastActive = now;
        due = now + idleMs;
      }
      if (next === undefined || due < next) next = due;
    }
    this.checkAt = next;
  }

  /** Destroys every connection (their transactions are failed by the transaction layer). */
  closeAll(): void {
    for (const conn of [...this.open]) conn.socket.destroy();
  }

  private connectionFor(listener: LocalSocket, target: Target): StreamConnection {
    const key = `${listener.spec.canonical}>${hostPort(target.address, target.port)}`;
    const existing = this.byKey.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    return this.adopt(connectStream(listener, target), listener, target);
  }

  /** An outbound connection not established in time: its transactions fail now with an error naming the stall. */
  private stalled(conn: StreamConnection): void {
    this.counters.c.connectTimeouts++;
    const what = conn.listener.spec.proto === "tls" ? "TCP connect or TLS handshake" : "TCP connect";
    const stall = new Error(`${what} not done within ${this.timeouts.establishMs} ms (the peer stalled)`);
    this.logger.debug({ peer: conn.key }, stall.message);
    this.broken(conn, stall);
  }

  /** RFC 3261 §18 / §17.1.4: a broken connection fails its in-flight transactions now, not at Timer F. */
  private broken(conn: StreamConnection, err: Error | undefined): void {
    if (!conn.closed) {
      conn.closed = true;
      if (this.byKey.get(conn.key) === conn) this.byKey.delete(conn.key);
      this.open.delete(conn);
      if (this.open.size === 0) this.checkAt = undefined;
      if (conn.inbound) this.releaseInbound(conn);
      conn.socket.destroy();
    }
    if (conn.transactions.size === 0) return;
    const error = new TransportError(
      `connection to ${conn.key} ${err ? `failed: ${err.message}` : "closed"}`,
      conn.connected ? "connection-closed" : "connect-failed",
      { cause: err },
    );
    for (const tx of [...conn.transactions]) this.events.broken(tx, error);
    conn.transactions.clear();
  }

  private releaseInbound(conn: StreamConnection): void {
    this.inboundOpen--;
    const source = conn.socket.remoteAddress ?? conn.address;
    const n = (this.inboundBySource.get(source) ?? 1) - 1;
    if (n <= 0) this.inboundBySource.delete(source);
    else this.inboundBySource.set(source, n);
  }

  /**
   * Received data. Only a whole message counts as activity for the idle close; a message begun and not completed
   * gets {@link InboundLimits.headerTimeoutMs} from its first byte, however its bytes trickle in.
   */
  private onData(conn: StreamConnection, chunk: Buffer): void {
    const now = this.clock.now();
    let messages: Array<SipRequest | SipResponse>;
    try {
      messages = conn.parser.push(chunk);
    } catch (err) {
      // The framing is lost: nothing after this point can be trusted on this connection.
      this.counters.c.parseErrors++;
      this.counters.c.dropped++;
      this.logger.debug({ peer: conn.key, err: String(err) }, "unparsable stream data; closing the connection");
      conn.socket.destroy();
      return;
    }
    if (messages.length > 0) conn.lastActive = now;
    if (conn.parser.buffered === 0 || !conn.inbound) {
      // Outbound: a registrar's large reply sent slowly is bounded by its transaction's Timer F, not cut here.
      conn.partialSince = undefined;
    } else if (conn.partialSince === undefined || messages.length > 0) {
      conn.partialSince = now;
      const deadline = now + this.limits.headerTimeoutMs;
      if (this.checkAt === undefined || deadline < this.checkAt) {
        this.checkAt = deadline;
        this.events.filed(deadline);
      }
    }
    for (const m of messages) this.events.message(m, conn);
  }
}
