import type dgram from "node:dgram";
import { type Clock, type Logger, SILENT_LOGGER, systemClock, type TimerHandle } from "@uacreg/runtime";
import { parseMessage, type SipRequest, SipResponse } from "@uacreg/sip";
import { BranchGenerator } from "./branch-generator.js";
import { FailoverPlanner } from "./failover-plan.js";
import { LargeUdpNotices, MAX_UDP_PAYLOAD, tooLargeForUdp, UDP_PATH_LIMIT } from "./large-request.js";
import { Listeners } from "./listeners.js";
import type { LocalSocket } from "./local-socket.js";
import { encodeRequestWithBranchId, type OutgoingRequest } from "./outgoing-request.js";
import { DnsResolver, type Resolver, type Target } from "./rfc3263-resolver.js";
import { type SendJob, SendJobs } from "./send-job.js";
import { hostPort } from "./socket-spec.js";
import { StatelessAnswerer } from "./stateless-answerer.js";
import { StatelessTagger } from "./stateless-tag.js";
import { type StreamConnection, StreamConnectionPool } from "./stream-connections.js";
import { asError, failedOutcome, type TransactionOutcome, writeAllowed } from "./transaction-outcome.js";
import { TransactionLayer } from "./transaction-layer.js";
import { transactionTimers } from "./transaction-timers.js";
import { TransportCounterSet, type TransportCounters } from "./transport-counters.js";
import { TransportError } from "./transport-error.js";
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_INBOUND_LIMITS,
  type InboundLimits,
  type SendHooks,
  type TransportOptions,
} from "./transport-options.js";
import { UdpOutbox } from "./udp-outbox.js";

const KEEP_ALIVE_CRLF = /^[\r\n]+$/;

/**
 * The one timer firing this many ms after its deadline means the event loop was held up (a long GC pause, a blocking
 * disk write, SIGSTOP, a starved VM): responses that arrived meanwhile wait unread in the sockets, and the timers
 * run before the sockets are read in an event-loop turn. So the due timers wait until what arrived is read
 * (the package README, "A held-up event loop").
 */
export const LATE_TIMER_MS = 50;
/**
 * At most this many event-loop turns are spent reading what arrived during a hold before the timers run (libuv
 * reads up to 32 datagrams per socket and turn). Catching up ends sooner: at the first turn that read nothing.
 */
export const CATCH_UP_TURNS = 256;

/**
 * All network I/O of uacreg, as a facade over modules with one job each: the {@link Listeners} (UDP, TCP, TLS; IPv4
 * and IPv6), the RFC 3263 failover plan and send life ({@link SendJobs}), the non-INVITE client transactions
 * ({@link TransactionLayer}, no I/O), the TCP/TLS {@link StreamConnectionPool}, the {@link UdpOutbox} and the
 * {@link StatelessAnswerer} (OPTIONS 200, 405, 501). It owns the one timer: armed on the clock for the earliest
 * deadline of the transactions and of the connections' idle check. It keeps no in-flight bound: the caller does
 * (the engine's admission queue).
 */
export class SipTransport {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ids: BranchGenerator;
  private readonly countersSet = new TransportCounterSet();
  private readonly listeners: Listeners;
  private readonly layer: TransactionLayer;
  private readonly pool: StreamConnectionPool;
  private readonly answerer: StatelessAnswerer;
  private readonly outbox: UdpOutbox;
  private readonly largeUdp: LargeUdpNotices;
  /** Made once the sockets are bound (the failover plan pairs targets with them). */
  private jobs: SendJobs | undefined;
  private resolver: Resolver | undefined;
  private timer: TimerHandle | undefined;
  private armedAt: number | undefined;
  private closing = false;
  private readonly onTimerBound = (): void => this.onTimer();
  /** Messages that reached {@link onDatagram} or came off a stream: catching up ends at a turn that added none. */
  private arrivals = 0;
  /** `arrivals` when the current catch-up turn began. */
  private arrivalsSeen = 0;
  /** Event-loop turns spent reading before a late timer's work runs; 0 when not catching up. */
  private catchUpTurns = 0;
  private catchUpImmediate: NodeJS.Immediate | undefined;
  private readonly onCatchUpBound = (): void => this.onCatchUp();

  private constructor(opts: TransportOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.ids = new BranchGenerator(opts.randomHex);
    const c = this.countersSet;
    this.listeners = new Listeners(
      {
        datagram: (l, data, rinfo) => this.onDatagram(l, data, rinfo),
        accepted: (l, socket) => this.pool.accept(socket, l),
      },
      this.logger,
      opts.udpBufferBytes ?? 4 * 1024 * 1024,
    );
    this.layer = new TransactionLayer(transactionTimers(opts.timers), this.ids, c, this.logger, {
      retransmit: (tx) => this.outbox.push(tx),
      ended: (job, outcome) => this.jobs?.attemptEnded(job, outcome),
      filed: (deadline) => this.armAt(deadline),
    });
    const inbound: InboundLimits = { ...DEFAULT_INBOUND_LIMITS, ...opts.inbound };
    const timeouts = {
      idleMs: opts.idleTimeoutMs ?? 120_000,
      establishMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    this.pool = new StreamConnectionPool(this.clock, timeouts, inbound, c, this.logger, {
      message: (m, conn) => {
        this.arrivals++;
        this.onMessage(m, conn.listener, conn.address, conn.port, conn);
      },
      broken: (tx, error) => this.layer.onTransportError(tx, error),
      filed: (deadline) => this.armAt(deadline),
    });
    this.largeUdp = new LargeUdpNotices(c, this.logger);
    this.answerer = new StatelessAnswerer(new StatelessTagger(), c, this.logger, opts.userAgent);
    this.outbox = new UdpOutbox(
      (tx, error) => this.layer.onTransportError(tx, error),
      (tx) => this.layer.onFenced(tx),
    );
  }

  /**
   * Binds every listening socket. Rejects with a {@link SocketBindError} naming the socket (bad spec, address in
   * use, TLS socket without certificate…); sockets already bound are closed again.
   */
  static async open(opts: TransportOptions): Promise<SipTransport> {
    const t = new SipTransport(opts);
    try {
      await t.listeners.bindAll(opts.listen, opts.tls);
    } catch (err) {
      await t.close();
      throw err;
    }
    t.resolver = opts.resolver ?? new DnsResolver({ clock: t.clock });
    t.jobs = new SendJobs({
      forcedSocket: (spec) => t.listeners.find(spec),
      resolver: t.resolver,
      planner: new FailoverPlanner<LocalSocket>(t.listeners.all()),
      counters: t.countersSet,
      logger: t.logger,
      runAttempt: (job, target, socket) => t.runTransaction(job, target, socket),
      closing: () => t.closing,
    });
    return t;
  }

  /**
   * The RFC 3263 targets of `nextHop` when known without a lookup (a numeric host, a cached answer), else
   * `undefined`. The array is shared between calls and must not be changed.
   */
  resolveNow(nextHop: string): readonly Target[] | undefined {
    return this.resolver?.resolveNow?.(nextHop);
  }

  /**
   * Resolves `nextHop` (RFC 3263 §4) without sending anything, so a caller can resolve outside its in-flight bound and
   * hand the targets to {@link send} (`req.targets`). Rejects when the name does not resolve or the transport is closed.
   */
  resolve(nextHop: string): Promise<readonly Target[]> {
    const resolver = this.resolver;
    if (this.closing || resolver === undefined)
      return Promise.reject(new TransportError("transport is closed", "closed"));
    try {
      return resolver.resolve(nextHop);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  /** True when `spec` names one of our listening sockets (the loader rejects rows whose forced_socket is not). */
  hasSocket(spec: string): boolean {
    return this.listeners.has(spec);
  }

  /** Canonical specs of the listening sockets, with the real port when `:0` was asked. */
  sockets(): string[] {
    return this.listeners.specs();
  }

  /** A snapshot of the counters (plain object). */
  get counters(): TransportCounters {
    this.countersSet.c.openConnections = this.pool.size;
    return this.countersSet.snapshot();
  }

  /**
   * Sends `req` as a new client transaction to the first RFC 3263 target of `req.nextHop` (or to the pinned
   * `req.destination`), moving on to the next target with a new branch after a 503, a timeout or a transport error
   * (RFC 3263 §4.3). Resolves with the last outcome; never rejects. Every send goes out at once: bounding how many
   * are in flight is the caller's job.
   */
  send(req: OutgoingRequest, hooks?: SendHooks): Promise<TransactionOutcome> {
    // The executor runs at once, inside the Promise constructor: it takes the request from these two fields, so a
    // send makes no executor closure.
    this.sendingReq = req;
    this.sendingHooks = hooks;
    return new Promise<TransactionOutcome>(this.sendExecutor);
  }

  /**
   * {@link send} with a callback instead of a promise (the engine's `RequestSender.sendWith`, issue 14): an exchange in
   * flight keeps nothing alive but its transaction (no promise, no reaction). `done` is called exactly once with the
   * last outcome — before this returns when the transport is closed.
   */
  sendWith(req: OutgoingRequest, done: (outcome: TransactionOutcome) => void, hooks?: SendHooks): void {
    const jobs = this.jobs;
    if (this.closing || jobs === undefined) done(failedOutcome(new TransportError("transport is closed", "closed")));
    else jobs.start(req, hooks, done);
  }

  private sendingReq: OutgoingRequest | undefined = undefined;
  private sendingHooks: SendHooks | undefined = undefined;
  private readonly sendExecutor = (resolve: (o: TransactionOutcome) => void): void => {
    const req = this.sendingReq!;
    const hooks = this.sendingHooks;
    this.sendingReq = undefined;
    this.sendingHooks = undefined;
    const jobs = this.jobs;
    if (this.closing || jobs === undefined) resolve(failedOutcome(new TransportError("transport is closed", "closed")));
    else jobs.start(req, hooks, resolve);
  };

  /** Fails every transaction with a transport error, closes every socket and connection. */
  async close(): Promise<void> {
    this.closing = true;
    this.layer.closeAll(new TransportError("transport closed", "closed"));
    this.timer?.cancel();
    this.timer = undefined;
    if (this.catchUpImmediate !== undefined) clearImmediate(this.catchUpImmediate);
    this.catchUpImmediate = undefined;
    this.armedAt = undefined;
    this.pool.closeAll();
    await this.listeners.close();
  }

  /**
   * One attempt of a send: a client transaction with a new branch, its request sent from `socket` to `target`.
   * RFC 3261 §18.1.1: a UDP request larger than {@link UDP_PATH_LIMIT} bytes (path MTU unknown) goes over TCP to the
   * same address and port when we have a TCP socket of that family (the top Via then says TCP). It goes as a UDP
   * datagram (counted, and a warning: {@link LargeUdpNotices}) when there is no such socket, or when the peer refused
   * that TCP connection (the job's `tcpRefused`: the §18.1.1 retry over UDP, Via back to UDP). A request that cannot fit
   * a datagram then fails at once with a transport error that says why.
   */
  private runTransaction(job: SendJob, target: Target, socket: LocalSocket): void {
    const ids = this.ids;
    const branch = ids.next(); // written into the request as digits: no branch string (outgoing-request.ts)
    let proto = socket.spec.proto;
    let bytes = encodeRequestWithBranchId(job.req, proto, socket.sentBy, ids.start, branch);
    const refused = job.tcpRefused;
    job.tcpRefused = undefined;
    job.overTcpForSize = false;
    if (proto === "udp" && bytes.length > UDP_PATH_LIMIT) {
      const family = socket.spec.family;
      const tcp =
        refused === undefined
          ? this.listeners.all().find((s) => s.spec.proto === "tcp" && s.spec.family === family)
          : undefined;
      const to = hostPort(target.address, target.port);
      if (tcp !== undefined) {
        this.logger.debug({ bytes: bytes.length, target: to }, "large request over TCP");
        socket = tcp;
        target = { ...target, proto: "tcp" };
        proto = "tcp";
        bytes = encodeRequestWithBranchId(job.req, proto, socket.sentBy, ids.start, branch);
        job.overTcpForSize = true;
      } else if (bytes.length > MAX_UDP_PAYLOAD) {
        const tx = this.layer.start(job, branch, bytes, socket, target, this.clock.now());
        const whyNotTcp =
          refused === undefined
            ? "there is no TCP socket to send it over"
            : `the TCP connection was refused (${refused.message})`;
        this.layer.onTransportError(tx, tooLargeForUdp(bytes.length, whyNotTcp));
        return;
      } else {
        this.largeUdp.note(refused === undefined ? "no-tcp-socket" : "tcp-refused", bytes.length, to);
      }
    }
    const tx = this.layer.start(job, branch, bytes, socket, target, this.clock.now());
    if (proto === "udp") {
      this.outbox.push(tx); // the guard is asked at the write (udp-outbox.ts)
    } else if (!writeAllowed(job.req.guard)) {
      this.layer.onFenced(tx); // docs/cluster.md §6: nothing written on the stream
    } else {
      try {
        this.pool.send(tx);
      } catch (err) {
        const e = asError(err);
        const message = `connect to ${target.address} failed: ${e.message}`;
        this.layer.onTransportError(tx, new TransportError(message, "connect-failed", { cause: e }));
      }
    }
  }

  /**
   * The one timer: re-armed only when `deadline` (just filed by the transaction layer or the connection pool) comes
   * before the one armed, so it always fires no later than the earliest deadline of either.
   */
  private armAt(deadline: number): void {
    if (this.closing) return;
    if (this.armedAt !== undefined && this.armedAt <= deadline) return;
    this.timer?.cancel();
    this.armedAt = deadline;
    this.timer = this.clock.setTimer(deadline - this.clock.now(), this.onTimerBound);
  }

  /**
   * The timer fired. On time, what is due runs now; late by {@link LATE_TIMER_MS} or more, it runs once the sockets
   * hold nothing more that arrived during the hold ({@link onCatchUp}): a response that reached the host before
   * Timer F but was still unread when the loop woke up completes its transaction instead of being dropped after a
   * timeout, and no request is retransmitted whose answer is waiting.
   */
  private onTimer(): void {
    const deadline = this.armedAt;
    this.timer = undefined;
    this.armedAt = undefined;
    if (this.catchUpTurns > 0) return; // the catch-up runs what is due when it ends
    const now = this.clock.now();
    if (deadline !== undefined && now - deadline >= LATE_TIMER_MS) {
      this.catchUpTurns = 1;
      this.arrivalsSeen = this.arrivals;
      // setImmediate, not the clock: it runs after this turn's poll phase, where libuv reads the sockets.
      this.catchUpImmediate = setImmediate(this.onCatchUpBound);
      return;
    }
    this.runDue(now);
  }

  /**
   * One catch-up turn ended: read another turn while the last one brought messages, else run what is due. The first
   * turn always goes on: a late timer seen outside the timers phase (a timer fired from I/O callbacks' code) has
   * had no poll phase before its first immediate.
   */
  private onCatchUp(): void {
    this.catchUpImmediate = undefined;
    if (this.closing) return;
    const more = this.catchUpTurns === 1 || this.arrivals !== this.arrivalsSeen;
    if (more && this.catchUpTurns < CATCH_UP_TURNS) {
      this.catchUpTurns++;
      this.arrivalsSeen = this.arrivals;
      this.catchUpImmediate = setImmediate(this.onCatchUpBound);
      return;
    }
    this.catchUpTurns = 0;
    this.runDue(this.clock.now());
  }

  /** Does what is due, then arms the timer for what is left (what `poll` filed meanwhile is armed already). */
  private runDue(now: number): void {
    this.layer.poll(now);
    this.pool.poll(now);
    const transactions = this.layer.nextDeadline();
    if (transactions !== undefined) this.armAt(transactions);
    const idle = this.pool.nextDeadline();
    if (idle !== undefined) this.armAt(idle);
  }

  private onDatagram(listener: LocalSocket, data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.arrivals++;
    let msg: SipRequest | SipResponse;
    try {
      msg = parseMessage(data);
    } catch (err) {
      // A bare CRLF is a keep-alive (RFC 5626 §3.5.1), not an error.
      if (data.length <= 4 && KEEP_ALIVE_CRLF.test(data.toString("latin1"))) return;
      this.countersSet.c.parseErrors++;
      this.countersSet.c.dropped++;
      this.logger.debug({ from: hostPort(rinfo.address, rinfo.port), err: String(err) }, "malformed datagram dropped");
      return;
    }
    this.onMessage(msg, listener, rinfo.address, rinfo.port, undefined);
  }

  /** Responses to the transaction layer, requests to the stateless answerer. Nothing from the network throws out. */
  private onMessage(
    msg: SipRequest | SipResponse,
    listener: LocalSocket,
    address: string,
    port: number,
    conn: StreamConnection | undefined,
  ): void {
    try {
      if (msg instanceof SipResponse) {
        this.layer.onResponse(msg, address, port, this.clock.now());
      } else {
        this.answerer.answer(msg, address, port, (bytes) => {
          if (conn !== undefined) return this.pool.reply(conn, bytes);
          // RFC 3581 §4: the response goes back to the source IP and port of the request.
          listener.udp?.send(bytes, port, address, (err) => {
            if (err) this.logger.debug({ err: err.message }, "response send failed");
          });
          return true;
        });
      }
    } catch (err) {
      this.countersSet.c.dropped++;
      this.logger.debug({ from: hostPort(address, port), err: String(err) }, "message dropped");
    }
  }
}
