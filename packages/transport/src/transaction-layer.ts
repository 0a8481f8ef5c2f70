import type { Logger } from "@uacreg/runtime";
import {
  cseqHeaderIs,
  readTopViaOf,
  type SipResponse,
  type TopViaFields,
  topViaBranch,
  topViaSentByIs,
  topViaSpots,
} from "@uacreg/sip";
import type { BranchGenerator } from "./branch-generator.js";
import { CompletedTransactions } from "./completed-transactions.js";
import type { LocalSocket } from "./local-socket.js";
import { NonInviteClientTransaction } from "./non-invite-client-transaction.js";
import type { Target } from "./rfc3263-resolver.js";
import type { SendJob } from "./send-job.js";
import { hostPort } from "./socket-spec.js";
import { TimerHeap, type TimerItem } from "./timer-heap.js";
import { TransactionTable } from "./transaction-table.js";
import type { TransactionOutcome } from "./transaction-outcome.js";
import type { TransactionTimers } from "./transaction-timers.js";
import type { TransportCounterSet } from "./transport-counters.js";

/** The stream connection a transaction was written to, as the layer sees it (it forgets the transaction there). */
export interface TransactionCarrier {
  readonly transactions: Set<ClientTransaction>;
}

/**
 * One client transaction (one attempt of a {@link SendJob}): the RFC 3261 §17.1.2 state machine plus what the
 * transport needs to drive it, in one object. Its method, Call-ID and CSeq number are its job's request's (read there
 * while it waits for its final response: three fields fewer per transaction in flight); once it has its final
 * response, the job and the request bytes are let go at once and the Timer K entry keeps those three for matching.
 */
export class ClientTransaction extends NonInviteClientTransaction implements TimerItem {
  deadline = 0;
  heapIndex = -1;
  /** The TCP/TLS connection carrying it (undefined on UDP). */
  conn: TransactionCarrier | undefined = undefined;

  constructor(
    timers: TransactionTimers,
    now: number,
    /**
     * The whole branch when it is not one of ours (`id` -1); else the generator's shared start, the number following
     * in base 36 ({@link branch} makes the string only when asked: a transaction keeps no string of its own).
     */
    private readonly branchText: string,
    /** The branch's number ({@link BranchGenerator.idOf}); -1 for a branch that is not one of ours. */
    readonly id: number,
    public bytes: Buffer,
    readonly listener: LocalSocket,
    readonly target: Target,
    public job: SendJob | undefined,
  ) {
    super(timers, listener.spec.proto !== "udp", now);
  }

  /** The Via branch of the request. */
  get branch(): string {
    return this.id >= 0 ? `${this.branchText}${this.id.toString(36)}` : this.branchText;
  }
}

/** What the layer asks of the transport around it (it does no I/O itself). */
export interface TransactionLayerEvents {
  /** Timer E fired: send `tx.bytes` again (same branch). */
  retransmit(tx: ClientTransaction): void;
  /** The transaction ended for the TU (final response, Timer F, transport error): hand `outcome` to `job`. */
  ended(job: SendJob, outcome: TransactionOutcome): void;
  /**
   * A deadline was filed: {@link TransactionLayer.poll} must run no later than `deadline`. The driver compares it
   * with the timer it has armed (one number, nothing to look up), so a send or a response costs no heap walk.
   */
  filed(deadline: number): void;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * How late Timer K's forgetting may run (ms). Timer K only lets go of a completed transaction's entry (RFC 3261
 * §17.1.2.2: it absorbs retransmitted final responses for T4), so it is reported due this much after the entry's
 * deadline: the entries of a burst of completions, a few hundred per second apart, are then forgotten by one timer
 * firing per 100 ms instead of one per millisecond (each a wake-up of an otherwise idle event loop: several hundred
 * per refresh wave at 20,000 records, docs/performance.md "Timer K's wave"). Timers E and F stay exact.
 */
export const TIMER_K_GRACE_MS = 100;

/** The sent-by of a top Via as read (for a log line only). */
function sentByText(fields: TopViaFields, spots: { text: string; hostStart: number; hostEnd: number; port: number }) {
  if (spots.text === "") return fields.sentBy;
  const host = spots.text.slice(spots.hostStart, spots.hostEnd).toLowerCase();
  return spots.port < 0 ? host : `${host}:${spots.port}`;
}

/**
 * The non-INVITE client transactions of a transport (RFC 3261 §17.1), with no I/O and no clock: every input takes
 * `now`; {@link nextDeadline} tells when {@link poll} is due next (and each deadline filed is reported as it is
 * filed), so the transport owns one timer for all of them and tests drive the layer with plain numbers. Transactions waiting for Timer E/F sit in one {@link TimerHeap};
 * completed UDP transactions waiting for Timer K in the {@link CompletedTransactions} FIFO, without their object.
 */
export class TransactionLayer {
  /** Transactions in progress by branch number (ours: every branch comes from {@link BranchGenerator}). */
  private readonly byId = new TransactionTable<ClientTransaction>();
  /** Transactions in progress whose branch is not one of the generator's (none in the transport; kept for safety). */
  private readonly foreign = new Map<string, ClientTransaction>();
  private readonly heap = new TimerHeap<ClientTransaction>();
  private readonly completed = new CompletedTransactions();
  /** Scratch for the top Via of the response being matched. */
  private readonly topVia: TopViaFields = { branch: undefined, received: undefined, rport: undefined };
  /** Scratch: where that Via's branch and sent-by lie in the response's head (compared there, never cut out). */
  private readonly viaSpots = topViaSpots();

  constructor(
    private readonly timers: TransactionTimers,
    private readonly ids: BranchGenerator,
    private readonly counters: TransportCounterSet,
    private readonly logger: Logger,
    private readonly events: TransactionLayerEvents,
  ) {}

  /** Client transactions waiting for a final response, plus completed ones absorbing retransmissions (Timer K). */
  get size(): number {
    return this.byId.size + this.foreign.size + this.completed.size;
  }

  /**
   * Starts a client transaction whose request (`bytes`, Via branch `branch`: a string, or the number of one of the
   * generator's branches) is sent at `now`.
   */
  start(
    job: SendJob,
    branch: string | number,
    bytes: Buffer,
    listener: LocalSocket,
    target: Target,
    now: number,
  ): ClientTransaction {
    const req = job.req;
    const id = typeof branch === "number" ? branch : this.ids.idOf(branch);
    const tx = new ClientTransaction(
      this.timers,
      now,
      id >= 0 ? this.ids.start : (branch as string),
      id,
      bytes,
      listener,
      target,
      job,
    );
    if (id >= 0) this.byId.set(tx);
    else this.foreign.set(tx.branch, tx);
    this.counters.bumpMethod(this.counters.c.requestsSent, req.method);
    this.schedule(tx);
    return tx;
  }

  /** The earliest deadline of any transaction (Timer E, F or K), or undefined when none is running. */
  nextDeadline(): number | undefined {
    const heapNext = this.heap.peekDeadline();
    const completedNext = this.completed.nextDeadline();
    const fifoNext = completedNext === undefined ? undefined : completedNext + TIMER_K_GRACE_MS;
    return heapNext === undefined ? fifoNext : fifoNext === undefined ? heapNext : Math.min(heapNext, fifoNext);
  }

  /** Fires every timer due at `now`: Timer E retransmits, Timer F times out, Timer K forgets. */
  poll(now: number): void {
    for (let tx = this.heap.popDue(now); tx !== undefined; tx = this.heap.popDue(now)) {
      try {
        this.fire(tx, now);
      } catch (err) {
        this.logger.warn({ err: String(err) }, "transaction timer failed");
      }
    }
    this.completed.expire(now);
  }

  /**
   * A response arrived from `address`:`port` at `now`. RFC 3261 §17.1.3: it matches the client transaction whose
   * branch is the top Via's branch and whose method is the CSeq method; we also require the Call-ID and CSeq number
   * of our request. A retransmitted final response of a completed transaction is absorbed (§17.1.2.2).
   * @throws SipParseError on a malformed Via or CSeq (the caller drops the message)
   */
  onResponse(res: SipResponse, address: string, port: number, now: number): void {
    const c = this.counters.c;
    const top = this.topVia;
    top.branch = undefined;
    top.received = undefined;
    top.rport = undefined;
    top.sentBy = undefined;
    // Read where they lie in the response's head: no string is made of the Via, CSeq or Call-ID values, nor of
    // the branch and sent-by of a plain Via (spots.text is the head then; "" when the Via needed the full parser).
    const spots = this.viaSpots;
    readTopViaOf(res, top, spots);
    const id =
      spots.text !== ""
        ? spots.branchStart < 0
          ? -1
          : this.ids.idIn(spots.text, spots.branchStart, spots.branchEnd)
        : top.branch !== undefined
          ? this.ids.idOf(top.branch)
          : -1;
    let tx: ClientTransaction | undefined;
    if (id >= 0) tx = this.byId.get(id);
    else if (this.foreign.size > 0) {
      const branch = topViaBranch(top, spots);
      if (branch !== undefined) tx = this.foreign.get(branch);
    }
    if (tx === undefined && id >= 0 && this.completed.size > 0) {
      if (this.completed.absorbs(id, res)) {
        this.counters.bumpStatus(c.responsesReceived, res.status);
        return;
      }
    }
    let matched = false;
    // A transaction in progress always has its job (finish() lets go of it and untracks the transaction).
    const req = tx?.job?.req;
    if (req !== undefined) {
      matched = cseqHeaderIs(res, req.cseq, req.method) && res.headerIs("Call-ID", req.callId);
    }
    if (tx === undefined || !matched) {
      c.unmatchedResponses++;
      c.dropped++;
      this.logger.debug(
        { from: hostPort(address, port), status: res.status, branch: topViaBranch(top, spots) },
        "response matches no transaction; dropped",
      );
      return;
    }
    if (!topViaSentByIs(top, spots, tx.listener.sentBy)) {
      // RFC 3261 §18.1.2: a response whose top Via sent-by is not the one we inserted is silently discarded.
      c.foreignSentBy++;
      c.dropped++;
      this.logger.debug(
        { from: hostPort(address, port), status: res.status, sentBy: sentByText(top, spots) },
        "response with a top Via sent-by that is not ours; dropped",
      );
      return;
    }
    this.counters.bumpStatus(c.responsesReceived, res.status);
    const action = tx.onResponse(res.status, now);
    if (action === "provisional") {
      try {
        tx.job?.hooks?.onProvisional?.(res);
      } catch (err) {
        this.logger.warn({ err: String(err) }, "onProvisional hook threw");
      }
    } else if (action === "final") {
      const target = tx.target;
      const spec = tx.listener.spec;
      // One literal with every field (received and rport undefined when absent): adding them afterwards gave the
      // object a second hidden class and an out-of-object property store. A target without a host name already is
      // `{ proto, address, port }`, immutable: it is the remote as it is.
      const outcome: TransactionOutcome = {
        kind: "response",
        response: res,
        remote:
          target.hostname === undefined ? target : { proto: target.proto, address: target.address, port: target.port },
        local: spec.canonical,
        proto: spec.proto,
        received: top.received,
        rport: top.rport,
        retransmissions: tx.retransmissions,
      };
      this.finish(tx, outcome);
    }
    this.schedule(tx);
  }

  /** RFC 3261 §17.1.4: a transport failure (send error, broken connection) ends `tx` with `error`. */
  onTransportError(tx: ClientTransaction, error: Error): void {
    if (tx.onTransportError()) {
      this.counters.c.transportErrors++;
      const spec = tx.listener.spec;
      const retransmissions = tx.retransmissions;
      this.finish(tx, { kind: "transport-error", error, local: spec.canonical, proto: spec.proto, retransmissions });
    }
    this.schedule(tx);
  }

  /**
   * The send guard refused the write of `tx` (docs/cluster.md §6): nothing was written; the transaction ends for the
   * TU as `fenced` (no failover: the request must not go anywhere) and is forgotten.
   */
  onFenced(tx: ClientTransaction): void {
    this.counters.c.sendsSuppressed++;
    if (tx.onTransportError()) {
      const spec = tx.listener.spec;
      this.finish(tx, {
        kind: "fenced",
        local: spec.canonical,
        proto: spec.proto,
        retransmissions: tx.retransmissions,
      });
    }
    this.schedule(tx);
  }

  /** Ends every transaction with `error` (the transport closes) and forgets the completed ones. */
  closeAll(error: Error): void {
    for (const tx of [...this.byId.values(), ...this.foreign.values()]) {
      if (tx.onTransportError()) {
        this.finish(tx, { kind: "transport-error", error, retransmissions: tx.retransmissions });
      }
      this.untrack(tx);
    }
    this.completed.clear();
  }

  private fire(tx: ClientTransaction, now: number): void {
    switch (tx.onTimer(now)) {
      case "retransmit":
        this.counters.c.retransmissions++;
        this.events.retransmit(tx);
        break;
      case "timeout": {
        this.counters.c.timeouts++;
        const spec = tx.listener.spec;
        const retransmissions = tx.retransmissions;
        this.finish(tx, { kind: "timeout", local: spec.canonical, proto: spec.proto, retransmissions });
        break;
      }
      default:
        break;
    }
    this.schedule(tx);
  }

  /**
   * Hands the outcome to the job (once) and lets go of what matching no longer needs. A completed transaction (a
   * final response over UDP) is filed for Timer K here, with its request's Call-ID, CSeq and method: the entry is all
   * that matches a retransmitted final response from now on (RFC 3261 §17.1.2.2), the object itself goes.
   */
  private finish(tx: ClientTransaction, outcome: TransactionOutcome): void {
    const job = tx.job;
    if (job === undefined) return;
    if (tx.state === "completed" && tx.id >= 0) {
      const req = job.req;
      this.completed.add(tx.id, tx.nextDeadline()!, req.callId, req.cseq, req.method);
    }
    tx.job = undefined;
    tx.bytes = NO_BYTES;
    if (tx.conn !== undefined) {
      tx.conn.transactions.delete(tx);
      tx.conn = undefined;
    }
    this.events.ended(job, outcome);
  }

  /** (Re)files `tx` at its next deadline: Timer E/F in the heap, Timer K in the FIFO; forgets it once terminated. */
  private schedule(tx: ClientTransaction): void {
    const deadline = tx.nextDeadline();
    if (deadline === undefined) {
      this.untrack(tx);
      return;
    }
    if (tx.state === "completed") {
      // Timer K: from now on only a retransmitted final response can concern it (its entry was filed by finish());
      // the object itself goes. Its forgetting may run TIMER_K_GRACE_MS late.
      this.untrack(tx);
      this.events.filed(deadline + TIMER_K_GRACE_MS);
      return;
    }
    if (tx.heapIndex >= 0 && tx.deadline === deadline) return;
    this.heap.push(tx, deadline);
    this.events.filed(deadline);
  }

  private untrack(tx: ClientTransaction): void {
    this.heap.remove(tx);
    if (tx.id >= 0) this.byId.delete(tx);
    else if (this.foreign.get(tx.branch) === tx) this.foreign.delete(tx.branch);
    if (tx.conn !== undefined) tx.conn.transactions.delete(tx);
  }
}
