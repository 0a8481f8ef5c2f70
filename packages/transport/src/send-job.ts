import type { Logger } from "@uacreg/runtime";
import { connectRefused } from "./large-request.js";
import { type Attempt, type FailoverPlanner, nextAttempt } from "./failover-plan.js";
import type { LocalSocket } from "./local-socket.js";
import type { OutgoingRequest } from "./outgoing-request.js";
import type { Resolver, Target } from "./rfc3263-resolver.js";
import { hostPort } from "./socket-spec.js";
import { asError, failedOutcome, type TransactionOutcome } from "./transaction-outcome.js";
import type { SendHooks } from "./transport-options.js";
import type { TransportCounterSet } from "./transport-counters.js";
import { TransportError } from "./transport-error.js";

/** One `send`: the request, its RFC 3263 plan (filled once resolved) and the attempt in progress. */
export interface SendJob {
  readonly req: OutgoingRequest;
  readonly hooks: SendHooks | undefined;
  readonly resolve: (o: TransactionOutcome) => void;
  forced: LocalSocket | undefined;
  plan: ReadonlyArray<Attempt<LocalSocket>>;
  /** Index in `plan` of the current attempt. */
  attempt: number;
  /** Resolved (guards against a second end after an unexpected throw). */
  ended: boolean;
  /** The current attempt was planned for UDP and went over TCP for its size (RFC 3261 §18.1.1). */
  overTcpForSize: boolean;
  /**
   * Set when the current attempt is run again over UDP because the peer refused the TCP connection its size called
   * for (RFC 3261 §18.1.1): the error of that connect. Read and cleared by the attempt.
   */
  tcpRefused: TransportError | undefined;
}

/** What {@link SendJobs} needs from the transport around it. */
export interface SendJobContext {
  /** The listening socket named by a forced-socket spec (as written or canonical), if any. */
  forcedSocket(spec: string): LocalSocket | undefined;
  readonly resolver: Resolver;
  readonly planner: FailoverPlanner<LocalSocket>;
  readonly counters: TransportCounterSet;
  readonly logger: Logger;
  /** Starts the client transaction of one attempt (its outcome comes back through {@link SendJobs.attemptEnded}). */
  runAttempt(job: SendJob, target: Target, socket: LocalSocket): void;
  /** The transport is closing: no new attempt starts. */
  closing(): boolean;
}

const NO_PLAN: ReadonlyArray<Attempt<LocalSocket>> = [];

/**
 * The life of one send (RFC 3263 §4): the forced socket, the next hop's targets (pinned, known at once, or resolved),
 * the failover plan, then one client transaction per attempt until one ends the job. Every failure ends the job with
 * an outcome; nothing throws out of here.
 */
export class SendJobs {
  constructor(private readonly ctx: SendJobContext) {}

  /** Starts a send; `resolve` gets its outcome once. */
  start(req: OutgoingRequest, hooks: SendHooks | undefined, resolve: (o: TransactionOutcome) => void): void {
    const job: SendJob = {
      req,
      hooks,
      resolve,
      forced: undefined,
      plan: NO_PLAN,
      attempt: 0,
      ended: false,
      overTcpForSize: false,
      tcpRefused: undefined,
    };
    this.ctx.counters.c.inFlight++;
    try {
      if (req.socket !== undefined) {
        const forced = this.ctx.forcedSocket(req.socket);
        if (forced === undefined) {
          this.end(job, failedOutcome(new TransportError(`forced socket ${req.socket} is not listening`, "no-socket")));
          return;
        }
        job.forced = forced;
      }
      if (req.destination !== undefined) {
        this.planned(job, this.ctx.planner.pinnedTargets(req.nextHop, req.destination), true);
        return;
      }
      if (req.targets !== undefined) {
        this.planned(job, req.targets, false);
        return;
      }
      const known = this.ctx.resolver.resolveNow?.(req.nextHop);
      if (known !== undefined) {
        this.planned(job, known, true);
        return;
      }
      const resolveFailed = (err: unknown) => {
        this.ctx.counters.c.transportErrors++;
        this.end(job, failedOutcome(asError(err)));
      };
      let resolving: Promise<Target[]>;
      try {
        resolving = this.ctx.resolver.resolve(req.nextHop);
      } catch (err) {
        resolveFailed(err); // a resolver that throws instead of rejecting
        return;
      }
      resolving.then((targets) => this.planned(job, targets, false), resolveFailed);
    } catch (err) {
      this.end(job, failedOutcome(asError(err)));
    }
  }

  /**
   * The outcome of one attempt: done, or on to the next target after a 503, a timeout or a transport error. A request
   * that went over TCP only for its size and whose connect the peer refused is first sent again to the same target
   * over UDP (RFC 3261 §18.1.1), as a new client transaction with a new branch: the TCP one ended in a transport error
   * (§17.1.4) without a byte reaching the peer, and the UDP one has other timers (Timer E) and another Via.
   */
  attemptEnded(job: SendJob, outcome: TransactionOutcome): void {
    const status = outcome.kind === "response" ? outcome.response.status : undefined;
    // A fenced send goes to no other target either (docs/cluster.md §6).
    const last = outcome.kind === "fenced" || this.ctx.closing();
    if (job.overTcpForSize && !last && connectRefused(outcome)) {
      job.overTcpForSize = false;
      job.tcpRefused = outcome.error;
      queueMicrotask(() => this.attempt(job, false));
      return;
    }
    const next = last ? undefined : nextAttempt(job.attempt, job.plan.length, status);
    if (next === undefined) {
      this.end(job, outcome);
      return;
    }
    job.attempt = next;
    // Not from inside the receive/timer/close path that ended the attempt.
    queueMicrotask(() => this.attempt(job, true));
  }

  /** `shared`: the target list is reused by later sends (resolveNow, pinned), so is its plan. */
  private planned(job: SendJob, targets: readonly Target[], shared: boolean): void {
    try {
      const planner = this.ctx.planner;
      const plan = planner.plan(targets, job.forced, shared);
      if (planner.forcedIgnored(plan, job.forced)) {
        this.ctx.logger.warn(
          { socket: job.forced!.spec.canonical },
          "forced socket cannot reach the next hop; choosing another",
        );
      }
      if (plan.length === 0) {
        this.ctx.counters.c.transportErrors++;
        const hop = job.req.nextHop;
        const what = targets.length === 0 ? `no RFC 3263 target for ${hop}` : `no local socket can reach ${hop}`;
        this.end(job, failedOutcome(new TransportError(what, targets.length === 0 ? "no-target" : "no-socket")));
        return;
      }
      job.plan = plan;
      this.attempt(job, true);
    } catch (err) {
      this.end(job, failedOutcome(asError(err)));
    }
  }

  /**
   * Starts a client transaction to the job's current target (RFC 3263 §4.3: a new branch for each). `fresh`: a new
   * target of the plan, not the same one again over UDP (RFC 3261 §18.1.1), which is no failover.
   */
  private attempt(job: SendJob, fresh: boolean): void {
    if (this.ctx.closing()) {
      this.end(job, failedOutcome(new TransportError("transport is closed", "closed")));
      return;
    }
    const [target, socket] = job.plan[job.attempt]!;
    if (fresh && job.attempt > 0) {
      this.ctx.counters.c.failovers++;
      this.ctx.logger.debug({ target: `${target.proto}:${hostPort(target.address, target.port)}` }, "failing over");
    }
    try {
      this.ctx.runAttempt(job, target, socket);
    } catch (err) {
      this.end(job, failedOutcome(asError(err)));
    }
  }

  /** Resolves the job, once. */
  private end(job: SendJob, outcome: TransactionOutcome): void {
    if (job.ended) return;
    job.ended = true;
    this.ctx.counters.c.inFlight--;
    job.resolve(outcome);
  }
}
