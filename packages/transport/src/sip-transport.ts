import dgram from "node:dgram";
import net from "node:net";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { parseMessage, SipResponse, SipStreamParser, type SipRequest } from "@uacreg/sip";
import { BranchGenerator } from "./branch-generator.js";
import { CompletedTransactions } from "./completed-transactions.js";
import { NonInviteClientTransaction } from "./non-invite-client-transaction.js";
import { parseNextHop } from "./next-hop.js";
import { cseqIs, readTopVia, type TopVia } from "./response-match.js";
import { encodeRequest, type OutgoingRequest } from "./outgoing-request.js";
import { DnsResolver, type Resolver, type Target } from "./rfc3263-resolver.js";
import { hostPort, makeSocketSpec, parseSocketSpec, type SocketSpec } from "./socket-spec.js";
import { buildStatelessResponse, chooseAnswer } from "./stateless-response.js";
import { TimerHeap, type TimerItem } from "./timer-heap.js";
import { transactionTimers, type TransactionTimers } from "./transaction-timers.js";
import { TransportCounterSet, statusClass, type TransportCounters } from "./transport-counters.js";
import { SocketBindError, TransportError } from "./transport-error.js";
import {
  advertisedAddress,
  connectStream,
  type LocalSocket as Listener,
  readTlsFiles,
  type TlsSocketOptions,
  udpLookup,
} from "./local-socket.js";

export type { TlsSocketOptions } from "./local-socket.js";

export interface TransportLogger {
  debug(o: object, m: string): void;
  warn(o: object, m: string): void;
}

export interface TransportOptions {
  /** Sockets to bind, OpenSIPS syntax `proto:host:port`; port 0 lets the OS choose (see {@link SipTransport.sockets}). */
  listen: string[];
  /** tm timers: `T1_timer` ms (500), `T2_timer` ms (4000), `fr_timeout` s (30); T4 ms (5000, RFC 3261). */
  timers?: { t1Ms?: number; t2Ms?: number; frTimeoutS?: number; t4Ms?: number };
  /** TLS settings by socket spec (as written in `listen`). */
  tls?: Record<string, TlsSocketOptions>;
  /** Next-hop resolution (default: {@link DnsResolver}, RFC 3263 over node:dns). */
  resolver?: Resolver;
  /** Client transactions in flight at once; further sends wait in FIFO order (default 2000). */
  maxInFlight?: number;
  /** Close a TCP/TLS connection with no transaction after this long without traffic (default 120000 ms). */
  idleTimeoutMs?: number;
  /** UDP socket receive/send buffer size asked of the kernel (default 4 MiB; capped by net.core.rmem_max/wmem_max). */
  udpBufferBytes?: number;
  /** `Server:` header value of our OPTIONS / 405 / 501 answers (none when unset). */
  userAgent?: string;
  logger?: TransportLogger;
  /** Random hex for branches and tags (default: 8 bytes from node:crypto). */
  randomHex?: string;
}

/** How a request ended. `send` never rejects: every failure is one of these. */
export type TransactionOutcome =
  | {
      kind: "response";
      response: SipResponse;
      remote: { proto: string; address: string; port: number };
      /** Canonical spec of the local socket the request left from. */
      local: string;
      /** `received` of our Via as the peer saw it (RFC 3261 §18.2.1). */
      received?: string;
      /** `rport` of our Via as the peer filled it (RFC 3581). */
      rport?: number;
    }
  | { kind: "timeout"; local?: string }
  | { kind: "transport-error"; error: Error; local?: string };

export interface SendHooks {
  /** Called for every 1xx (RFC 3261 §17.1.2.2: passed to the TU). Exceptions are caught and logged. */
  onProvisional?(r: SipResponse): void;
}

/** A TCP/TLS connection, outbound (reused per peer) or accepted. */
interface StreamConnection {
  key: string;
  socket: net.Socket;
  listener: Listener;
  address: string;
  port: number;
  parser: SipStreamParser;
  transactions: Set<ClientTx>;
  /** Established (TCP connected and, for TLS, handshake done). */
  connected: boolean;
  closed: boolean;
}

/** One `send`: the request, its RFC 3263 plan (filled once resolved) and the attempt in progress. */
interface SendJob {
  readonly req: OutgoingRequest;
  readonly hooks: SendHooks | undefined;
  readonly resolve: (o: TransactionOutcome) => void;
  forced: Listener | undefined;
  plan: Array<[Target, Listener]>;
  /** Index in `plan` of the current attempt. */
  attempt: number;
  /** Resolved and its slot released (guards against a second end after an unexpected throw). */
  ended: boolean;
}

/**
 * One client transaction (one attempt of a {@link SendJob}): the state machine plus what the transport needs to
 * drive it, in one object. Once it has its final response on UDP it lingers until Timer K with only what matching
 * needs (branch, method, Call-ID, CSeq, state): the job, the hooks and the request bytes are let go at once.
 */
class ClientTx extends NonInviteClientTransaction implements TimerItem {
  deadline = 0;
  heapIndex = -1;
  conn: StreamConnection | undefined = undefined;
  /** The dgram send callback of this transaction (made once, reused by retransmissions). */
  onSent: ((err: Error | null) => void) | undefined = undefined;

  constructor(
    timers: TransactionTimers,
    now: number,
    readonly branch: string,
    /** The branch's number ({@link BranchGenerator.idOf}). */
    readonly id: number,
    readonly method: string,
    readonly callId: string,
    readonly cseq: number,
    public bytes: Buffer,
    readonly listener: Listener,
    readonly target: Target,
    public job: SendJob | undefined,
  ) {
    super(timers, listener.spec.proto !== "udp", now);
  }
}

const KEEP_ALIVE_CRLF = /^[\r\n]+$/;

/**
 * All network I/O of uacreg: listening sockets (UDP, TCP, TLS; IPv4 and IPv6), RFC 3263 next-hop resolution with
 * failover, non-INVITE client transactions (RFC 3261 §17.1.2) driven by one timer heap, and stateless answers to
 * what arrives (OPTIONS 200, 405, 501).
 */
export class SipTransport {
  private readonly listeners = new Map<string, Listener>();
  private readonly transactions = new Map<string, ClientTx>();
  /** Reusable connections by `local spec>peer`. */
  private readonly connections = new Map<string, StreamConnection>();
  /** Every open connection (accepted ones may share a key). */
  private readonly openConnections = new Set<StreamConnection>();
  /** Transactions waiting for Timer E/F. */
  private readonly heap = new TimerHeap<ClientTx>();
  /** Completed UDP transactions waiting for Timer K (kept without their ClientTx). */
  private readonly completed = new CompletedTransactions();
  private timer: NodeJS.Timeout | undefined;
  private armedAt: number | undefined;
  /** UDP datagrams to send at the end of this event-loop turn (see sendUdp). */
  private outbox: ClientTx[] = [];
  /** Sends waiting for an in-flight slot, FIFO from `waitingHead`. */
  private waiting: Array<SendJob | undefined> = [];
  private waitingHead = 0;
  /** Inside {@link pump}. */
  private pumping = false;
  /** Scratch for the top Via of the response being matched. */
  private readonly topVia: TopVia = { branch: undefined, received: undefined, rport: undefined };
  /** By next-hop text: its host name (RFC 5922 identity; undefined for a numeric host) and the last pinned target. */
  private readonly pins = new Map<string, { name: string | undefined; targets: readonly Target[] }>();
  /** The plan of each shared target list (see planJob). */
  private readonly plans = new WeakMap<readonly Target[], Array<[Target, Listener]>>();
  private readonly countersSet = new TransportCounterSet();
  private readonly timers: TransactionTimers;
  private readonly resolver: Resolver;
  private readonly maxInFlight: number;
  private readonly idleTimeoutMs: number;
  private readonly ids: BranchGenerator;
  private readonly logger: TransportLogger | undefined;
  private readonly userAgent: string | undefined;
  private readonly udpBufferBytes: number;
  private closing = false;

  private constructor(opts: TransportOptions) {
    this.timers = transactionTimers(opts.timers);
    this.resolver = opts.resolver ?? new DnsResolver();
    this.maxInFlight = opts.maxInFlight ?? 2000;
    if (!(this.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${opts.maxInFlight}`);
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 120_000;
    this.ids = new BranchGenerator(opts.randomHex);
    this.logger = opts.logger;
    this.userAgent = opts.userAgent;
    this.udpBufferBytes = opts.udpBufferBytes ?? 4 * 1024 * 1024;
  }

  /**
   * Binds every listening socket. Rejects with a {@link SocketBindError} naming the socket (bad spec, address in
   * use, TLS socket without certificate…); sockets already bound are closed again.
   */
  static async open(opts: TransportOptions): Promise<SipTransport> {
    const t = new SipTransport(opts);
    if (opts.listen.length === 0) throw new SocketBindError("(none)", "at least one listen socket is required");
    const tlsByCanonical = new Map<string, TlsSocketOptions>();
    for (const [spec, o] of Object.entries(opts.tls ?? {})) {
      try {
        tlsByCanonical.set(parseSocketSpec(spec).canonical, o);
      } catch (err) {
        throw new SocketBindError(spec, (err as Error).message, { cause: err });
      }
    }
    try {
      for (const text of opts.listen) {
        let spec: SocketSpec;
        try {
          spec = parseSocketSpec(text);
        } catch (err) {
          throw new SocketBindError(text, (err as Error).message, { cause: err });
        }
        await t.bind(spec, tlsByCanonical.get(spec.canonical));
      }
    } catch (err) {
      await t.close();
      throw err;
    }
    return t;
  }

  /** True when `spec` names one of our listening sockets (the loader rejects rows whose forced_socket is not). */
  hasSocket(spec: string): boolean {
    try {
      return this.listeners.has(parseSocketSpec(spec).canonical);
    } catch {
      return false;
    }
  }

  /** Canonical specs of the listening sockets, with the real port when `:0` was asked. */
  sockets(): string[] {
    return [...this.listeners.keys()];
  }

  /** A snapshot of the counters (plain object). */
  get counters(): TransportCounters {
    const c = this.countersSet.c;
    c.openConnections = this.openConnections.size;
    return this.countersSet.snapshot();
  }

  /**
   * Sends `req` as a new client transaction to the first RFC 3263 target of `req.nextHop` (or to the pinned
   * `req.destination`), moving on to the next target with a new branch after a 503, a timeout or a transport error
   * (RFC 3263 §4.3). Resolves with the last outcome; never rejects.
   */
  send(req: OutgoingRequest, hooks?: SendHooks): Promise<TransactionOutcome> {
    return new Promise<TransactionOutcome>((resolve) => {
      const job: SendJob = { req, hooks, resolve, forced: undefined, plan: NO_PLAN, attempt: 0, ended: false };
      if (this.closing) {
        resolve(this.failed(new TransportError("transport is closed", "closed")));
        return;
      }
      const c = this.countersSet.c;
      if (c.inFlight < this.maxInFlight) {
        c.inFlight++;
        this.startJob(job);
      } else {
        c.queued++;
        this.waiting.push(job);
      }
    });
  }

  /** Fails every transaction and queued send with a transport error, closes every socket and connection. */
  async close(): Promise<void> {
    this.closing = true;
    const waiting = this.waiting;
    for (let i = this.waitingHead; i < waiting.length; i++) {
      this.countersSet.c.queued--;
      const job = waiting[i]!;
      job.ended = true;
      job.resolve(this.failed(new TransportError("transport is closed", "closed")));
    }
    this.waiting = [];
    this.waitingHead = 0;
    for (const tx of [...this.transactions.values()]) {
      if (tx.onTransportError()) this.finish(tx, this.failed(new TransportError("transport closed", "closed")));
      this.untrack(tx);
    }
    this.completed.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const conn of [...this.openConnections]) conn.socket.destroy();
    const closing: Promise<void>[] = [];
    for (const l of this.listeners.values()) {
      const udp = l.udp;
      if (udp) closing.push(new Promise((r) => udp.close(() => r())));
      const server = l.server;
      if (server) closing.push(new Promise((r) => server.close(() => r())));
    }
    this.listeners.clear();
    await Promise.all(closing);
  }

  // ---------------------------------------------------------------------------------------------- binding

  private async bind(spec: SocketSpec, tlsOpts: TlsSocketOptions | undefined): Promise<void> {
    let tlsOptions: Listener["tlsOptions"];
    if (spec.proto === "tls") {
      try {
        tlsOptions = readTlsFiles(tlsOpts);
      } catch (err) {
        throw new SocketBindError(spec.canonical, `cannot read TLS file: ${(err as Error).message}`, { cause: err });
      }
      if (tlsOptions.cert === undefined || tlsOptions.key === undefined) {
        throw new SocketBindError(spec.canonical, "a TLS socket needs tls[spec].cert and tls[spec].key");
      }
    }
    if (spec.port !== 0 && this.listeners.has(spec.canonical))
      throw new SocketBindError(spec.canonical, "listed twice");
    const listener: Listener = { spec, sentBy: "", tlsOptions };
    let port: number;
    try {
      port = spec.proto === "udp" ? await this.bindUdp(listener) : await this.bindStream(listener);
    } catch (err) {
      try {
        listener.udp?.close();
        listener.server?.close();
      } catch {
        // not running: nothing to release
      }
      throw new SocketBindError(spec.canonical, (err as Error).message, { cause: err });
    }
    listener.spec = makeSocketSpec(spec.proto, spec.address, port);
    listener.sentBy = hostPort(advertisedAddress(spec.address, spec.family), port);
    this.listeners.set(listener.spec.canonical, listener);
  }

  private bindUdp(l: Listener): Promise<number> {
    const sock = dgram.createSocket({
      type: l.spec.family === 6 ? "udp6" : "udp4",
      ipv6Only: l.spec.family === 6,
      lookup: udpLookup(),
    });
    l.udp = sock;
    return new Promise((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(l.spec.port, l.spec.address, () => {
        sock.off("error", reject);
        this.growBuffers(sock, l);
        sock.on("error", (err) =>
          this.logger?.warn({ socket: l.spec.canonical, err: err.message }, "UDP socket error"),
        );
        sock.on("message", (msg, rinfo) => this.onDatagram(l, msg, rinfo));
        resolve(sock.address().port);
      });
    });
  }

  /**
   * A burst of `maxInFlight` requests brings a burst of responses: the default 208 KiB receive buffer holds only
   * about 500 of them, and every one lost costs a T1 retransmission. Ask for more (the kernel caps it at rmem_max).
   */
  private growBuffers(sock: dgram.Socket, l: Listener): void {
    try {
      sock.setRecvBufferSize(this.udpBufferBytes);
      sock.setSendBufferSize(this.udpBufferBytes);
    } catch (err) {
      this.logger?.debug({ socket: l.spec.canonical, err: String(err) }, "cannot grow UDP buffers");
    }
  }

  private bindStream(l: Listener): Promise<number> {
    const server =
      l.spec.proto === "tls"
        ? tls.createServer({ cert: l.tlsOptions?.cert, key: l.tlsOptions?.key }, (s) => this.adopt(s, l))
        : net.createServer((s) => this.adopt(s, l));
    l.server = server;
    if (l.spec.proto === "tls") {
      server.on("tlsClientError", (err: Error) =>
        this.logger?.debug({ socket: l.spec.canonical, err: err.message }, "TLS handshake failed"),
      );
    }
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: l.spec.address, port: l.spec.port, ipv6Only: l.spec.family === 6 }, () => {
        server.off("error", reject);
        server.on("error", (err) => this.logger?.warn({ socket: l.spec.canonical, err: err.message }, "server error"));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  // ---------------------------------------------------------------------------------------------- sending

  /** Takes the job's in-flight slot: finds the forced socket and the targets, then starts the first attempt. */
  private startJob(job: SendJob): void {
    try {
      const req = job.req;
      if (req.socket !== undefined) {
        let forced = this.listeners.get(req.socket);
        if (forced === undefined) {
          let canonical: string;
          try {
            canonical = parseSocketSpec(req.socket).canonical;
          } catch (err) {
            this.endJob(job, this.failed(err as Error));
            return;
          }
          forced = this.listeners.get(canonical);
        }
        if (forced === undefined) {
          this.endJob(
            job,
            this.failed(new TransportError(`forced socket ${req.socket} is not listening`, "no-socket")),
          );
          return;
        }
        job.forced = forced;
      }
      if (req.destination !== undefined) {
        this.planJob(job, this.pinnedTargets(req), true);
        return;
      }
      const known = this.resolver.resolveNow?.(req.nextHop);
      if (known !== undefined) {
        this.planJob(job, known, true);
        return;
      }
      const resolveFailed = (err: unknown) => {
        this.countersSet.c.transportErrors++;
        this.endJob(job, this.failed(err instanceof Error ? err : new Error(String(err))));
      };
      let resolving: Promise<Target[]>;
      try {
        resolving = this.resolver.resolve(req.nextHop);
      } catch (err) {
        resolveFailed(err); // a resolver that throws instead of rejecting
        return;
      }
      resolving.then((targets) => this.planJob(job, targets, false), resolveFailed);
    } catch (err) {
      this.endJob(job, this.failed(err instanceof Error ? err : new Error(String(err))));
    }
  }

  /** `shared`: the target list is reused by later sends (resolveNow, pinnedTargets), so is its plan. */
  private planJob(job: SendJob, targets: readonly Target[], shared: boolean): void {
    try {
      let plan: Array<[Target, Listener]> | undefined;
      if (shared && job.forced === undefined) {
        // The sockets never change after open: a shared list always gets the same plan.
        plan = this.plans.get(targets);
        if (plan === undefined) {
          plan = this.plan(targets, undefined);
          this.plans.set(targets, plan);
        }
      } else {
        plan = this.plan(targets, job.forced);
      }
      if (plan.length === 0) {
        this.countersSet.c.transportErrors++;
        const hop = job.req.nextHop;
        const what = targets.length === 0 ? `no RFC 3263 target for ${hop}` : `no local socket can reach ${hop}`;
        this.endJob(job, this.failed(new TransportError(what, targets.length === 0 ? "no-target" : "no-socket")));
        return;
      }
      job.plan = plan;
      this.attempt(job);
    } catch (err) {
      this.endJob(job, this.failed(err instanceof Error ? err : new Error(String(err))));
    }
  }

  /** Starts a client transaction to the job's current target (RFC 3263 §4.3: a new branch for each). */
  private attempt(job: SendJob): void {
    if (this.closing) {
      this.endJob(job, this.failed(new TransportError("transport is closed", "closed")));
      return;
    }
    const [target, listener] = job.plan[job.attempt]!;
    if (job.attempt > 0) {
      this.countersSet.c.failovers++;
      this.logger?.debug({ target: `${target.proto}:${hostPort(target.address, target.port)}` }, "failing over");
    }
    try {
      this.runTransaction(job, target, listener);
    } catch (err) {
      this.endJob(job, this.failed(err instanceof Error ? err : new Error(String(err))));
    }
  }

  /** The outcome of one attempt: done, or on to the next target after a 503, a timeout or a transport error. */
  private attemptEnded(job: SendJob, outcome: TransactionOutcome): void {
    const last = job.attempt + 1 >= job.plan.length;
    if (last || this.closing || (outcome.kind === "response" && outcome.response.status !== 503)) {
      this.endJob(job, outcome);
      return;
    }
    job.attempt++;
    // Not from inside the receive/timer/close path that ended the attempt.
    queueMicrotask(() => this.attempt(job));
  }

  /** Resolves the job (once) and hands its in-flight slot to the oldest waiting send, if any. */
  private endJob(job: SendJob, outcome: TransactionOutcome): void {
    if (job.ended) return;
    job.ended = true;
    job.resolve(outcome);
    this.countersSet.c.inFlight--;
    this.pump();
  }

  /**
   * Starts waiting sends while slots are free. A loop, not recursion: a send that ends at once (no socket, bad
   * target) frees its slot inside startJob, and the loop takes the next one, however long the queue.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const c = this.countersSet.c;
      while (this.waitingHead < this.waiting.length && c.inFlight < this.maxInFlight) {
        const waiting = this.waiting;
        const next = waiting[this.waitingHead]!;
        waiting[this.waitingHead] = undefined;
        this.waitingHead++;
        if (this.waitingHead === waiting.length) {
          this.waiting = [];
          this.waitingHead = 0;
        } else if (this.waitingHead >= 1024 && this.waitingHead * 2 >= waiting.length) {
          this.waiting = waiting.slice(this.waitingHead);
          this.waitingHead = 0;
        }
        c.queued--;
        c.inFlight++;
        this.startJob(next);
      }
    } finally {
      this.pumping = false;
    }
  }

  private failed(error: Error, local?: string): TransactionOutcome {
    return local === undefined ? { kind: "transport-error", error } : { kind: "transport-error", error, local };
  }

  /**
   * Pairs each target with a local socket of its protocol and address family. A forced socket restricts the targets
   * to those it can reach; when it reaches none, it is ignored and a socket is chosen per target (as OpenSIPS does,
   * reference §4.3), with a warning.
   */
  private plan(targets: readonly Target[], forced: Listener | undefined): Array<[Target, Listener]> {
    const out: Array<[Target, Listener]> = [];
    if (forced !== undefined) {
      for (const t of targets) {
        if (t.proto === forced.spec.proto && familyOf(t.address) === forced.spec.family) out.push([t, forced]);
      }
      if (out.length > 0) return out;
      this.logger?.warn({ socket: forced.spec.canonical }, "forced socket cannot reach the next hop; choosing another");
    }
    for (const t of targets) {
      const family = familyOf(t.address);
      for (const l of this.listeners.values()) {
        if (l.spec.proto === t.proto && l.spec.family === family) {
          out.push([t, l]);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The pinned destination as a target. It keeps the next hop's host name, so TLS still checks the certificate
   * against the domain (RFC 5922) and not against the pinned IP address. The name is read once per next hop, and the
   * one-target list is kept while the pin stays the same.
   */
  private pinnedTargets(req: OutgoingRequest): readonly Target[] {
    const d = req.destination!;
    let pin = this.pins.get(req.nextHop);
    if (pin !== undefined) {
      const t = pin.targets[0]!;
      if (t.port === d.port && t.address === d.address && t.proto === d.proto) return pin.targets;
    }
    const name = pin !== undefined ? pin.name : nextHopName(req.nextHop);
    const target: Target =
      name === undefined
        ? { proto: d.proto, address: d.address, port: d.port }
        : { proto: d.proto, address: d.address, port: d.port, hostname: name };
    pin = { name, targets: [target] };
    if (this.pins.size >= 4096) this.pins.clear();
    this.pins.set(req.nextHop, pin);
    return pin.targets;
  }

  private runTransaction(job: SendJob, target: Target, listener: Listener): void {
    const req = job.req;
    const branch = this.ids.branch();
    const proto = listener.spec.proto;
    const tx = new ClientTx(
      this.timers,
      performance.now(),
      branch,
      this.ids.idOf(branch),
      req.method,
      req.callId,
      req.cseq,
      encodeRequest(req, proto, listener.sentBy, branch),
      listener,
      target,
      job,
    );
    this.transactions.set(branch, tx);
    this.countersSet.bump(this.countersSet.c.requestsSent, req.method);
    this.schedule(tx);
    if (proto === "udp") {
      this.sendUdp(tx);
    } else {
      try {
        const conn = this.connectionFor(listener, target);
        tx.conn = conn;
        conn.transactions.add(tx);
        conn.socket.write(tx.bytes);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.transportFailure(
          tx,
          new TransportError(`connect to ${target.address} failed: ${e.message}`, "connect-failed", { cause: e }),
        );
      }
    }
  }

  /**
   * Queues `tx`'s datagram for the end of this event-loop turn. Responses arrive in batches (libuv reads up to 32
   * datagrams per poll) and each may start the next request; sending those after the batch, back to back, lets the
   * peer take them in one wake-up instead of one per datagram.
   */
  private sendUdp(tx: ClientTx): void {
    this.outbox.push(tx);
    if (this.outbox.length === 1) setImmediate(this.flushBound);
  }

  private readonly flushBound = (): void => this.flush();

  private flush(): void {
    const out = this.outbox;
    this.outbox = [];
    for (const tx of out) {
      // Ended meanwhile (closed, failed): nothing to send. A completed transaction has no bytes any more.
      if (tx.bytes.length > 0 && (tx.state === "trying" || tx.state === "proceeding")) this.sendNow(tx);
    }
  }

  private sendNow(tx: ClientTx): void {
    let onSent = tx.onSent;
    if (onSent === undefined) {
      onSent = (err: Error | null) => {
        if (err) {
          const message = `send to ${hostPort(tx.target.address, tx.target.port)} failed: ${err.message}`;
          this.transportFailure(tx, new TransportError(message, "send-failed", { cause: err }));
        }
      };
      tx.onSent = onSent;
    }
    try {
      tx.listener.udp!.send(tx.bytes, tx.target.port, tx.target.address, onSent);
    } catch (err) {
      // dgram throws synchronously on a closed socket or a bad address; report it like an asynchronous failure.
      const cb = onSent;
      queueMicrotask(() => cb(err instanceof Error ? err : new Error(String(err))));
    }
  }

  private transportFailure(tx: ClientTx, error: Error): void {
    if (tx.onTransportError()) {
      this.countersSet.c.transportErrors++;
      this.finish(tx, this.failed(error, tx.listener.spec.canonical));
    }
    this.schedule(tx);
  }

  /** Hands the outcome to the job (once) and lets go of what matching no longer needs. */
  private finish(tx: ClientTx, outcome: TransactionOutcome): void {
    const job = tx.job;
    if (job === undefined) return;
    tx.job = undefined;
    tx.bytes = NO_BYTES;
    tx.onSent = undefined;
    if (tx.conn !== undefined) {
      tx.conn.transactions.delete(tx);
      tx.conn = undefined;
    }
    this.attemptEnded(job, outcome);
  }

  // ---------------------------------------------------------------------------------------------- timers

  /** (Re)files `tx` at its next deadline: Timer E/F in the heap, Timer K in the FIFO; forgets it once terminated. */
  private schedule(tx: ClientTx): void {
    const deadline = tx.nextDeadline();
    if (deadline === undefined) {
      this.untrack(tx);
      return;
    }
    if (tx.state === "completed") {
      // Timer K: from now on only a retransmitted final response can concern it; the ClientTx itself goes.
      this.untrack(tx);
      this.completed.add(tx.id, deadline, tx.callId, tx.cseq, tx.method);
    } else {
      if (tx.heapIndex >= 0 && tx.deadline === deadline) return;
      this.heap.push(tx, deadline);
    }
    this.arm(deadline);
  }

  private untrack(tx: ClientTx): void {
    this.heap.remove(tx);
    if (this.transactions.get(tx.branch) === tx) this.transactions.delete(tx.branch);
    if (tx.conn !== undefined) tx.conn.transactions.delete(tx);
  }

  /** One node timer for the whole heap and FIFO, set to the earliest deadline. */
  private arm(deadline: number): void {
    if (this.closing) return;
    if (this.armedAt !== undefined && this.armedAt <= deadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = deadline;
    this.timer = setTimeout(this.onTimersBound, Math.max(0, Math.ceil(deadline - performance.now())));
    this.timer.unref();
  }

  private readonly onTimersBound = (): void => this.onTimers();

  private onTimers(): void {
    this.timer = undefined;
    this.armedAt = undefined;
    const now = performance.now();
    for (let tx = this.heap.popDue(now); tx !== undefined; tx = this.heap.popDue(now)) {
      try {
        this.fire(tx, now);
      } catch (err) {
        this.logger?.warn({ err: String(err) }, "transaction timer failed");
      }
    }
    this.completed.expire(now);
    this.rearm();
  }

  private rearm(): void {
    const heapNext = this.heap.peekDeadline();
    const fifoNext = this.completed.nextDeadline();
    const next = heapNext === undefined ? fifoNext : fifoNext === undefined ? heapNext : Math.min(heapNext, fifoNext);
    if (next !== undefined) this.arm(next);
  }

  private fire(tx: ClientTx, now: number): void {
    switch (tx.onTimer(now)) {
      case "retransmit":
        this.countersSet.c.retransmissions++;
        this.sendUdp(tx);
        break;
      case "timeout":
        this.countersSet.c.timeouts++;
        this.finish(tx, { kind: "timeout", local: tx.listener.spec.canonical });
        break;
      default:
        break;
    }
    this.schedule(tx);
  }

  // ---------------------------------------------------------------------------------------------- connections

  private connectionFor(listener: Listener, target: Target): StreamConnection {
    // One connection per (local socket, peer): a forced socket must not borrow another socket's connection.
    const key = `${listener.spec.canonical}>${hostPort(target.address, target.port)}`;
    const existing = this.connections.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    const socket = connectStream(listener, target);
    return this.adopt(socket, listener, key, target);
  }

  /** Wires a stream socket (outbound or accepted): framing, idle timeout, failure of its transactions on close. */
  private adopt(socket: net.Socket, listener: Listener, key?: string, target?: Target): StreamConnection {
    const address = target?.address ?? socket.remoteAddress ?? "";
    const port = target?.port ?? socket.remotePort ?? 0;
    const conn: StreamConnection = {
      key: key ?? `${listener.spec.canonical}>${hostPort(address, port)}`,
      socket,
      listener,
      address,
      port,
      parser: new SipStreamParser(),
      transactions: new Set(),
      connected: target === undefined,
      closed: false,
    };
    if (target !== undefined) {
      socket.once(target.proto === "tls" ? "secureConnect" : "connect", () => {
        conn.connected = true;
      });
    }
    const previous = this.connections.get(conn.key);
    if (previous === undefined || previous.closed) this.connections.set(conn.key, conn);
    this.openConnections.add(conn);
    socket.setNoDelay(true);
    socket.setTimeout(this.idleTimeoutMs);
    socket.on("timeout", () => {
      if (conn.transactions.size === 0) socket.destroy();
      else socket.setTimeout(this.idleTimeoutMs);
    });
    socket.on("data", (chunk: Buffer) => this.onStreamData(conn, chunk));
    socket.on("error", (err) => {
      this.logger?.debug({ peer: conn.key, err: err.message }, "connection error");
      this.connectionBroken(conn, err);
    });
    socket.on("close", () => this.connectionBroken(conn, undefined));
    return conn;
  }

  /** RFC 3261 §18 / §17.1.4: a broken connection fails its in-flight transactions now, not at Timer F. */
  private connectionBroken(conn: StreamConnection, err: Error | undefined): void {
    if (!conn.closed) {
      conn.closed = true;
      if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
      this.openConnections.delete(conn);
      conn.socket.destroy();
    }
    if (conn.transactions.size === 0) return;
    const error = new TransportError(
      `connection to ${conn.key} ${err ? `failed: ${err.message}` : "closed"}`,
      conn.connected ? "connection-closed" : "connect-failed",
      { cause: err },
    );
    for (const tx of [...conn.transactions]) this.transportFailure(tx, error);
    conn.transactions.clear();
  }

  private onStreamData(conn: StreamConnection, chunk: Buffer): void {
    let messages: Array<SipRequest | SipResponse>;
    try {
      messages = conn.parser.push(chunk);
    } catch (err) {
      // The framing is lost: nothing after this point can be trusted on this connection.
      this.countersSet.c.parseErrors++;
      this.countersSet.c.dropped++;
      this.logger?.debug({ peer: conn.key, err: String(err) }, "unparsable stream data; closing the connection");
      conn.socket.destroy();
      return;
    }
    for (const m of messages) this.onMessage(m, conn.listener, conn.address, conn.port, conn);
  }

  // ---------------------------------------------------------------------------------------------- receiving

  private onDatagram(listener: Listener, data: Buffer, rinfo: dgram.RemoteInfo): void {
    let msg: SipRequest | SipResponse;
    try {
      msg = parseMessage(data);
    } catch (err) {
      // A bare CRLF is a keep-alive (RFC 5626 §3.5.1), not an error.
      if (data.length <= 4 && KEEP_ALIVE_CRLF.test(data.toString("latin1"))) return;
      this.countersSet.c.parseErrors++;
      this.countersSet.c.dropped++;
      this.logger?.debug({ from: hostPort(rinfo.address, rinfo.port), err: String(err) }, "malformed datagram dropped");
      return;
    }
    this.onMessage(msg, listener, rinfo.address, rinfo.port, undefined);
  }

  /** Nothing from the network throws out of here. */
  private onMessage(
    msg: SipRequest | SipResponse,
    listener: Listener,
    address: string,
    port: number,
    conn: StreamConnection | undefined,
  ): void {
    try {
      if (msg instanceof SipResponse) this.onResponse(msg, address, port);
      else this.onRequest(msg, listener, address, port, conn);
    } catch (err) {
      this.countersSet.c.dropped++;
      this.logger?.debug({ from: hostPort(address, port), err: String(err) }, "message dropped");
    }
  }

  /**
   * RFC 3261 §17.1.3: the response matches the client transaction whose branch is the top Via's branch and whose
   * method is the CSeq method; we also require the Call-ID and CSeq number of our request.
   */
  private onResponse(res: SipResponse, address: string, port: number): void {
    const c = this.countersSet.c;
    const viaValue = res.getHeader("Via");
    const top = this.topVia;
    top.branch = undefined;
    top.received = undefined;
    top.rport = undefined;
    if (viaValue !== undefined) readTopVia(viaValue, top);
    const branch = top.branch;
    const tx = branch !== undefined ? this.transactions.get(branch) : undefined;
    if (tx === undefined && branch !== undefined && this.completed.size > 0) {
      const id = this.ids.idOf(branch);
      if (id >= 0 && this.completed.absorbs(id, res)) {
        // A retransmission of the final response, absorbed in the Completed state (§17.1.2.2).
        this.countersSet.bump(c.responsesReceived, statusClass(res.status));
        return;
      }
    }
    let matched = false;
    if (tx !== undefined) {
      const cseqValue = res.getHeader("CSeq");
      matched =
        cseqValue !== undefined && cseqIs(cseqValue, tx.cseq, tx.method) && res.getHeader("Call-ID") === tx.callId;
    }
    if (tx === undefined || !matched) {
      c.unmatchedResponses++;
      c.dropped++;
      this.logger?.debug(
        { from: hostPort(address, port), status: res.status, branch: top.branch },
        "response matches no transaction; dropped",
      );
      return;
    }
    this.countersSet.bump(c.responsesReceived, statusClass(res.status));
    const action = tx.onResponse(res.status, performance.now());
    if (action === "provisional") {
      try {
        tx.job?.hooks?.onProvisional?.(res);
      } catch (err) {
        this.logger?.warn({ err: String(err) }, "onProvisional hook threw");
      }
    } else if (action === "final") {
      const target = tx.target;
      const outcome: TransactionOutcome = {
        kind: "response",
        response: res,
        remote: { proto: target.proto, address: target.address, port: target.port },
        local: tx.listener.spec.canonical,
      };
      if (top.received !== undefined) outcome.received = top.received;
      if (top.rport !== undefined) outcome.rport = top.rport;
      this.finish(tx, outcome);
    }
    this.schedule(tx);
  }

  /** Stateless answers (see stateless-response.ts); ACK and malformed requests get nothing. */
  private onRequest(
    req: SipRequest,
    listener: Listener,
    address: string,
    port: number,
    conn: StreamConnection | undefined,
  ): void {
    const c = this.countersSet.c;
    this.countersSet.bump(c.requestsReceived, req.method);
    const answer = chooseAnswer(req.method);
    if (answer === null) return;
    const text = buildStatelessResponse(
      req,
      answer.status,
      answer.reason,
      { address, port },
      this.ids.tag(),
      this.userAgent,
    );
    if (text === null) {
      c.dropped++;
      this.logger?.debug({ from: hostPort(address, port) }, "request without Via/From/To/Call-ID/CSeq dropped");
      return;
    }
    const bytes = Buffer.from(text, "utf8");
    if (conn !== undefined) {
      if (conn.closed) return;
      conn.socket.write(bytes);
    } else {
      // RFC 3581 §4: the response goes back to the source IP and port of the request.
      listener.udp?.send(bytes, port, address, (err) => {
        if (err) this.logger?.debug({ err: err.message }, "response send failed");
      });
    }
    this.countersSet.bump(c.responsesSent, statusClass(answer.status));
  }
}

const NO_PLAN: Array<[Target, Listener]> = [];
const NO_BYTES = Buffer.alloc(0);

/** Address family of an IP address (targets are IP addresses: only IPv6 has a colon). */
function familyOf(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

/** The host name of a next-hop URI, or undefined when it is an IP address or does not parse. */
function nextHopName(nextHop: string): string | undefined {
  try {
    const host = parseNextHop(nextHop).host;
    if (net.isIP(host) === 0) return host;
  } catch {
    // an unparsable next hop only loses the name check
  }
  return undefined;
}
