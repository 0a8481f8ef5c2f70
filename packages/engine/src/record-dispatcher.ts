import {
  type CoreContext,
  formatKey,
  isInFlight,
  type RegistrantEvent,
  type RegistrantRecord,
  registers,
  type SendAction,
  visitDueAt,
  type Step,
  step,
} from "@uacreg/core";
import type { Clock, Logger } from "@uacreg/runtime";
import { AdmissionQueue, type CongestionSignal } from "./admission-queue.js";
import { ClusterGate, type GateAnswer, UNIT_LOST } from "./cluster-gate.js";
import type { EngineMetrics } from "./engine-metrics.js";
import type { LiveRecord } from "./live-record.js";
import { outboundRequest, outcomeEvent, outcomeProtocol, rejectedSend } from "./outcome-adapter.js";
import type { RequestSender, SendOutcome, SendTarget } from "./request-sender.js";
import type { StateWriter } from "./state-writer.js";
import { VisitBacklog } from "./visit-backlog.js";

const VISIT: RegistrantEvent = { type: "visit" };

/**
 * One exchange from routing to its outcome: core's send, the targets resolved before admission, the cluster's send
 * guard, and the window epoch at its start. Reused: the dispatcher keeps the finished ones in a pool (at most as many
 * as were ever routed at once, bounded by `max_in_flight` plus the queue), and `resolved`/`rejected` are bound once per
 * exchange object, so an exchange allocates no promise reaction closures of its own (issue 14: what an exchange in
 * flight keeps alive is copied by every scavenge during a refresh burst).
 */
class Exchange {
  live: LiveRecord | undefined = undefined;
  action: SendAction | undefined = undefined;
  targets: readonly SendTarget[] | undefined = undefined;
  /** The send guard of the record's unit at the epoch held at admission (docs/cluster.md §6). */
  guard: (() => boolean) | undefined = undefined;
  epoch = 0;
  /** Inside the sender's `sendWith`: an outcome handed over now waits for a microtask (request-sender.ts). */
  sending = false;
  /** The sender's outcome. */
  readonly resolved: (outcome: SendOutcome) => void;
  /** A sender that broke its promise (rejected): a transport error for core. */
  readonly rejected: (error: unknown) => void;

  constructor(finished: (exchange: Exchange, outcome: SendOutcome) => void) {
    this.resolved = (outcome) => {
      if (this.sending) queueMicrotask(() => finished(this, outcome));
      else finished(this, outcome);
    };
    this.rejected = (error) => finished(this, rejectedSend(error));
  }
}

/** What the {@link RecordDispatcher} works with. */
export interface RecordDispatcherOptions {
  ctx: CoreContext;
  clock: Clock;
  sender: RequestSender;
  writer: StateWriter<LiveRecord>;
  metrics: EngineMetrics;
  log: Logger;
  maxInFlight: number;
  /** Clustering (docs/cluster.md §4, §6): sends of records of a unit go through it first. */
  gate?: ClusterGate;
  /**
   * Whether a record's visit is still due at `now` (the walk's own test: due for core, unit held here), asked again
   * when a visit that waited in the backlog gets its turn. Default: core's `visitDueAt`.
   */
  dueNow?: (live: LiveRecord, now: number) => boolean;
}

/**
 * Hands one event at a time to @uacreg/core and carries out its actions (docs/architecture.md "engine"): sends go
 * through the admission queue to the {@link RequestSender}, their outcomes come back as core events, state writes go
 * to the {@link StateWriter}, state changes to the {@link EngineMetrics}. Synchronous per event: a record's next event
 * can only come after this one is fully applied, so the events of one record are serialized.
 */
export class RecordDispatcher {
  readonly ctx: CoreContext;
  /** The context of a record that must not register: deleted, or the node is stopping. */
  readonly #retiringCtx: CoreContext;
  readonly #clock: Clock;
  readonly #sender: RequestSender;
  readonly #writer: StateWriter<LiveRecord>;
  readonly #metrics: EngineMetrics;
  readonly #log: Logger;
  readonly #queue: AdmissionQueue<LiveRecord, Exchange>;
  /** Finished exchanges, reused by the next sends (see {@link Exchange}). */
  readonly #pool: Exchange[] = [];
  /** The pool keeps at most `max_in_flight` exchanges (a shutdown may queue one per record: those are let go). */
  readonly #poolMax: number;
  readonly #finishedBound = (exchange: Exchange, outcome: SendOutcome): void => this.#finished(exchange, outcome);
  readonly #gate: ClusterGate | undefined;
  readonly #dueNow: (live: LiveRecord, now: number) => boolean;
  /** Due visits waiting for room in the in-flight bound (visit-backlog.ts). */
  readonly #backlog = new VisitBacklog<LiveRecord>();
  /** Next-hop lookups running before admission (outside the queue, so the queue alone is not "idle"). */
  #lookups = 0;
  /** Callers of {@link idle} waiting for no lookup, nothing in flight and nothing queued. */
  readonly #idleWaiters = new Set<() => void>();
  #stopping = false;

  constructor(o: RecordDispatcherOptions) {
    this.ctx = o.ctx;
    this.#retiringCtx = { ...o.ctx, retiring: true };
    this.#clock = o.clock;
    this.#sender = o.sender;
    this.#writer = o.writer;
    this.#metrics = o.metrics;
    this.#log = o.log;
    this.#gate = o.gate;
    this.#dueNow = o.dueNow ?? ((live, now) => visitDueAt(live.record, this.ctx.params) <= now);
    this.#poolMax = o.maxInFlight;
    this.#queue = new AdmissionQueue<LiveRecord, Exchange>({
      max: o.maxInFlight,
      start: (live, send, epoch) => this.#start(live, send, epoch),
      wanted: (live, send) => this.#stillWanted(live, send.action as SendAction),
      key: registrarOf,
    });
  }

  /** Core's `now`: whole unix seconds of the wall clock. */
  unixNow(): number {
    return Math.floor(this.#clock.wallNow() / 1000);
  }

  get inFlight(): number {
    return this.#queue.inFlight;
  }

  /** Sends waiting for a slot: queued requests and due visits waiting in the backlog. */
  get queued(): number {
    return this.#queue.queued + this.#backlog.size;
  }

  /**
   * From now on every record is stepped as retiring: unREGISTERs go out, nothing registers. The visits waiting in
   * the backlog are dropped (a retiring record's visit sends nothing).
   */
  stopping(): void {
    this.#stopping = true;
    for (const live of this.#backlog.clear()) live.deferred = false;
  }

  /**
   * The walk found `live` due at `now`. Its REGISTER goes out at once when its registrar has room; otherwise the
   * record waits in the backlog (one reference, nothing built) and core builds its request when its turn comes, if
   * it is still due then (visit-backlog.ts). A record already waiting keeps its place.
   */
  visit(live: LiveRecord, now: number): void {
    if (live.deferred) return;
    const config = live.record.config;
    const hop = config.proxy ?? config.registrar;
    if (this.#backlog.waiting(hop) || !this.#queue.hasRoom(hop)) {
      live.deferred = true;
      this.#backlog.push(hop, live);
      return;
    }
    this.dispatch(live, VISIT, now);
  }

  /** Next-hop lookups running now (before admission). */
  get resolving(): number {
    return this.#lookups;
  }

  /**
   * Resolves true once no next-hop lookup is running and nothing is in flight or queued, false after `timeoutMs` on
   * the clock. A lookup counts: the send it precedes (a shutdown unREGISTER) is not out yet, but it will be.
   */
  idle(timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (this.#isIdle()) return resolve(true);
      const done = () => {
        timer.cancel();
        resolve(true);
      };
      const timer = this.#clock.setTimer(timeoutMs, () => {
        this.#idleWaiters.delete(done);
        resolve(false);
      });
      this.#idleWaiters.add(done);
    });
  }

  readonly #hasRoom = (hop: string): boolean => this.#queue.hasRoom(hop);

  /** A visit's turn out of the backlog: core gets it if the record is still followed and still due. */
  readonly #turn = (live: LiveRecord): void => {
    live.deferred = false;
    if (!live.inTable || live.retiring || this.#stopping) return;
    const now = this.unixNow();
    if (this.#dueNow(live, now)) this.dispatch(live, VISIT, now);
  };

  #isIdle(): boolean {
    return this.#lookups === 0 && this.#queue.idle && this.#backlog.size === 0;
  }

  /**
   * Frees slots to queued sends, then to the visits waiting in the backlog, then tells the {@link idle} waiters if
   * nothing is left.
   */
  #drain(): void {
    this.#queue.drain();
    if (this.#backlog.size > 0) this.#backlog.pull(this.#hasRoom, this.#turn);
    if (this.#idleWaiters.size === 0 || !this.#isIdle()) return;
    for (const done of this.#idleWaiters) done();
    this.#idleWaiters.clear();
  }

  /** Hands `event` to core for `live` and carries out the actions. */
  dispatch(live: LiveRecord, event: RegistrantEvent, now: number = this.unixNow()): void {
    let result: Step<RegistrantRecord>;
    try {
      result = step(live.record, event, now, this.#stopping || live.retiring ? this.#retiringCtx : this.ctx);
    } catch (error) {
      this.#log.error({ key: formatKey(live.key), event: event.type, err: String(error) }, "core refused an event");
      return;
    }
    const next = result.record;
    if (next !== live.record) {
      if (live.inTable) this.#metrics.moved(live.record.state, next.state);
      live.record = next;
    }
    for (const action of result.actions) {
      switch (action.type) {
        case "send":
          this.#send(live, action);
          break;
        case "persist-state":
          this.#writer.write(live, action.key, action.state);
          break;
        case "state-change":
          this.#metrics.stateChanged(action);
          break;
        case "log":
          this.#log[action.level]({ key: live.key }, action.message);
          break;
      }
    }
  }

  /**
   * A queued send goes out only if its record is still followed and core still waits for that very request (it may
   * have abandoned it: tag backup, record replaced). A REGISTER queued before its record was deleted or the node began
   * to stop never went out: it is dropped (only unREGISTERs leave a retiring record).
   */
  #stillWanted(live: LiveRecord, send: SendAction): boolean {
    const pending = live.record.pending;
    return (
      (live.inTable || live.retiring) &&
      !((this.#stopping || live.retiring) && registers(send.kind)) &&
      pending !== undefined &&
      pending.cseq === send.request.cseq &&
      pending.callId === send.request.callId
    );
  }

  /**
   * Resolves the next hop BEFORE admission (docs/architecture.md): a slow name must not hold an in-flight slot and
   * delay records whose registrar is an address. A pinned destination, a sender that cannot resolve for us, or targets
   * known at once: admitted now. Otherwise the lookup runs outside the bound; once it answers, the send is admitted
   * only if core still waits for that very request. A failed lookup is a transport error for core, with no slot taken
   * (and no congestion signal: it says nothing about the registrar's load).
   */
  #send(live: LiveRecord, action: SendAction): void {
    const slot = live.cluster;
    const gate = this.#gate;
    if (slot === undefined || gate === undefined) {
      this.#route(live, action, undefined);
      return;
    }
    // docs/cluster.md §4, §6: the unit must be held here, and the dialog mark stored (fenced) before the send, like
    // the DNS gate below: outside the in-flight bound, counted as a lookup so stop() waits for it.
    let sync = true;
    this.#lookups++;
    const decided = (answer: GateAnswer) => {
      this.#lookups--;
      if (this.#stillWanted(live, action)) {
        if (answer.go) this.#route(live, action, answer.guard);
        else this.dispatch(live, UNIT_LOST); // nothing sent: NOT_REGISTERED until the unit is held here again
      }
      this.#drain();
    };
    gate.admit(live, slot, action, (answer: GateAnswer) => {
      if (!sync) decided(answer);
      else if (answer.go) {
        this.#lookups--;
        this.#route(live, action, answer.guard);
      } else queueMicrotask(() => decided(answer)); // not from inside the dispatch that asked for the send
    });
    sync = false;
  }

  /** {@link #send} once the cluster gate (if any) let it through: resolution, then admission. */
  #route(live: LiveRecord, action: SendAction, guard: (() => boolean) | undefined): void {
    const sender = this.#sender;
    const nextHop = action.request.nextHop;
    const exchange = this.#pool.pop() ?? new Exchange(this.#finishedBound);
    exchange.live = live;
    exchange.action = action;
    exchange.guard = guard;
    exchange.targets = undefined;
    if ((action.request.destination !== undefined && live.proto !== undefined) || sender.resolve === undefined) {
      this.#queue.admit(live, exchange);
      return;
    }
    const known = sender.resolveNow?.(nextHop);
    if (known !== undefined) {
      exchange.targets = known;
      this.#queue.admit(live, exchange);
      return;
    }
    let resolving: Promise<readonly SendTarget[]>;
    try {
      resolving = sender.resolve(nextHop);
    } catch (error) {
      resolving = Promise.reject(error);
    }
    this.#lookups++;
    resolving.then(
      (targets) => {
        this.#lookups--;
        if (this.#stillWanted(live, action)) {
          exchange.targets = targets;
          this.#queue.admit(live, exchange);
        }
        this.#drain();
      },
      (error: unknown) => {
        this.#lookups--;
        if (this.#stillWanted(live, action)) {
          try {
            this.#onOutcome(live, action.request, rejectedSend(error));
          } catch (err) {
            this.#log.error({ err: String(err) }, "handling a failed resolution failed");
          }
        }
        this.#drain();
      },
    );
  }

  #start(live: LiveRecord, exchange: Exchange, epoch: number): void {
    const send = exchange.action as SendAction;
    exchange.epoch = epoch;
    const c = this.#metrics.counters;
    if (registers(send.kind)) c.registerSent++;
    else c.unregisterSent++;
    if (live.record.pending?.authenticated === true) c.authenticatedSent++;
    const sender = this.#sender;
    const out = outboundRequest(send.request, live.proto, exchange.targets, exchange.guard);
    if (sender.sendWith !== undefined) {
      // The callback form: nothing per send but the request (the exchange and its callbacks are reused).
      exchange.sending = true;
      try {
        sender.sendWith(out, exchange.resolved);
      } catch (error) {
        exchange.resolved(rejectedSend(error));
      }
      exchange.sending = false;
      return;
    }
    let sent: Promise<SendOutcome>;
    try {
      sent = sender.send(out);
    } catch (error) {
      sent = Promise.resolve(rejectedSend(error));
    }
    // Bound once per (pooled) exchange: no closures per send.
    sent.then(exchange.resolved, exchange.rejected);
  }

  /**
   * The transaction ended: its slot is freed first, so a follow-up (the answer to a 401) goes out at once. The
   * exchange goes back to the pool before core sees the outcome (its fields are read first), so that follow-up may
   * reuse it.
   */
  #finished(exchange: Exchange, outcome: SendOutcome): void {
    const live = exchange.live;
    if (live === undefined) return; // a second outcome for one send (a sender that broke its contract): ignored
    const request = (exchange.action as SendAction).request;
    const epoch = exchange.epoch;
    exchange.live = undefined;
    exchange.action = undefined;
    exchange.targets = undefined;
    exchange.guard = undefined;
    if (this.#pool.length < this.#poolMax) this.#pool.push(exchange);
    this.#queue.release(request.nextHop, epoch, congestionSignal(outcome));
    try {
      this.#onOutcome(live, request, outcome);
    } catch (error) {
      this.#log.error({ err: String(error) }, "handling a transaction outcome failed");
    }
    this.#drain();
  }

  #onOutcome(live: LiveRecord, request: SendAction["request"], outcome: SendOutcome): void {
    const c = this.#metrics.counters;
    if (outcome.local !== undefined) live.socket = outcome.local;
    const proto = outcomeProtocol(outcome);
    if (proto !== undefined) live.proto = proto;
    if (outcome.kind === "fenced") {
      // docs/cluster.md §6: the unit was lost while the request was out; its loss puts the record in NOT_REGISTERED.
      c.sendsFenced++;
      return;
    }
    if (outcome.kind === "response") c.repliesReceived++;
    else if (outcome.kind === "timeout") c.timeouts++;
    else c.transportErrors++;
    // Replies for a record that was deleted or replaced are dropped (docs/opensips-behaviour.md §5), except the
    // exchange of a retiring record, followed to its end.
    if (!live.inTable && !live.retiring) {
      c.lateRepliesDropped++;
      this.#log.debug({ key: live.key, callId: request.callId }, "reply for a removed record dropped");
      return;
    }
    const slot = live.cluster;
    if (slot !== undefined && live.inTable && this.#gate?.refusesInherited(live, slot, request.callId, outcome)) {
      // docs/cluster.md §4: the registrar refused the inherited Call-ID: a new one, once (stored before its send).
      c.callIdResets++;
      this.#log.warn({ key: live.key, status: outcomeStatus(outcome) }, "inherited Call-ID refused; taking a new one");
      this.dispatch(live, UNIT_LOST);
      this.dispatch(live, ClusterGate.freshDialog(this.ctx.random));
      this.dispatch(live, { type: "visit" });
      return;
    }
    this.dispatch(live, outcomeEvent(outcome, request));
    if (live.retiring && !isInFlight(live.record.state)) live.retire(false);
  }
}

function outcomeStatus(outcome: SendOutcome): number | undefined {
  return outcome.kind === "response" ? outcome.response.status : undefined;
}

/** The registrar a send goes to, for its in-flight window: the request's next hop (outbound proxy or registrar). */
function registrarOf(send: Exchange): string {
  return (send.action as SendAction).request.nextHop;
}

/**
 * What an outcome says about the registrar's load, as a lost segment does to TCP (RFC 5681 §3.1): a timeout (its
 * retransmissions went unanswered), a 503, or a reply that came only after the request was retransmitted (a copy was
 * lost or answered late: the registrar or the path is dropping) is congestion; a reply to the first copy is fine; a
 * local send failure says nothing about the registrar.
 */
export function congestionSignal(outcome: SendOutcome): CongestionSignal {
  if (outcome.kind === "timeout") return "congestion";
  if (outcome.kind === "transport-error" || outcome.kind === "fenced") return "neutral";
  if (outcome.response.status === 503 || (outcome.retransmissions ?? 0) > 0) return "congestion";
  return "ok";
}
