import type { TransactionTimers } from "./transaction-timers.js";

/**
 * States of the non-INVITE client transaction, RFC 3261 §17.1.2.2, Figure 6:
 *
 * ```
 *                  |Request from TU / send request, Timer E (unreliable), Timer F
 *                  V
 *  Timer E      +-----------+
 *  send request |  Trying   |-------------+
 *  +------------|           |  Timer F or |
 *  |            +-----------+  transport  |
 *  |  1xx to TU   |       | 200-699 to TU |  err: inform TU
 *  |              V       |               |
 *  |  Timer E +-----------+               |
 *  |  send req|Proceeding |------------>--+
 *  |  +-------|           | Timer F/err   |
 *  |  |       +-----------+               |
 *  |  1xx     | 200-699 to TU             |
 *  |          V                           |
 *  |      +-----------+ 200-699 absorbed  |
 *  |      | Completed |                   |
 *  |      +-----------+                   |
 *  |            | Timer K                 |
 *  |            V                         |
 *  |      +-----------+                   |
 *  +----->| Terminated|<------------------+
 *         +-----------+
 * ```
 */
export type NonInviteClientState = "trying" | "proceeding" | "completed" | "terminated";

/** What the driver must do after a timer check. */
export type TimerAction =
  /** Nothing is due. */
  | "none"
  /** Timer E fired: send the same bytes again (same branch). */
  | "retransmit"
  /** Timer F fired: report a local timeout to the TU (nothing is sent on the wire, capture e). */
  | "timeout"
  /** Timer K fired: forget the transaction (stop absorbing retransmitted responses). */
  | "terminate";

/** How an arriving response is handled. */
export type ResponseAction =
  /** 1xx in Trying/Proceeding: pass to the TU. */
  | "provisional"
  /** First final response: pass to the TU. */
  | "final"
  /** A retransmitted response in Completed (or anything after the end): swallow it. */
  | "absorb";

/** A timer that is not running. */
const NOT_RUNNING = -1;

/**
 * Deadlines are whole milliseconds (`now` rounded up: a timer never fires before its RFC 3261 value) and a stopped
 * timer is -1, not Infinity: every time field then stays a small integer stored in the object itself. One fraction
 * or Infinity would make V8 box every time field of every transaction in a heap number of its own (16 bytes each,
 * moved by the scavenger with the transaction; docs/performance.md, "Transport and SIP codec per exchange").
 */
function wholeMs(now: number): number {
  return Math.ceil(now);
}

/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2) as a pure state machine: no I/O and no clock. Every input
 * takes `now` (ms, any monotonic origin) and {@link nextDeadline} tells the driver when to call {@link onTimer} next,
 * so one timer heap can drive thousands of transactions and tests run on simulated time.
 */
export class NonInviteClientTransaction {
  private stateValue: NonInviteClientState = "trying";
  /** Absolute deadline of Timer E, or -1 when not running. */
  private timerE: number;
  /** Current Timer E interval. */
  private intervalE: number;
  /** Absolute deadline of Timer F. */
  private timerF: number;
  /** Absolute deadline of Timer K, or -1 when not running. */
  private timerK = NOT_RUNNING;
  /** Timer E firings so far: copies of the request sent again (RFC 3261 §17.1.2.2; always 0 on a reliable transport). */
  private retransmitted = 0;

  /**
   * Starts the transaction: the request has just been sent at `now`.
   * "If an unreliable transport is in use, the client transaction MUST set timer E to fire in T1 seconds" and
   * "MUST set timer F to fire in 64*T1 seconds" (here: fr_timeout) (§17.1.2.2).
   */
  constructor(
    private readonly timers: TransactionTimers,
    private readonly reliable: boolean,
    now: number,
  ) {
    const t = wholeMs(now);
    this.intervalE = timers.t1Ms;
    this.timerE = reliable ? NOT_RUNNING : t + timers.t1Ms;
    this.timerF = t + timers.timerFMs;
  }

  get state(): NonInviteClientState {
    return this.stateValue;
  }

  /** How many times Timer E asked for the request to be sent again (0 on a reliable transport). */
  get retransmissions(): number {
    return this.retransmitted;
  }

  /** The earliest running timer, or `undefined` once terminated. */
  nextDeadline(): number | undefined {
    switch (this.stateValue) {
      case "trying":
      case "proceeding":
        return this.timerE === NOT_RUNNING ? this.timerF : Math.min(this.timerE, this.timerF);
      case "completed":
        return this.timerK;
      default:
        return undefined;
    }
  }

  /**
   * Fires whatever timer is due at `now`. Timer F wins over Timer E when both are due. One call performs at most
   * one action; the driver calls again at the new {@link nextDeadline}.
   */
  onTimer(now: number): TimerAction {
    switch (this.stateValue) {
      case "trying":
      case "proceeding":
        if (now >= this.timerF) {
          // "If Timer F fires while in the Trying/Proceeding state, the client transaction SHOULD inform the TU
          // about the timeout, and then it SHOULD enter the Terminated state."
          this.stateValue = "terminated";
          return "timeout";
        }
        if (this.timerE !== NOT_RUNNING && now >= this.timerE) {
          // Trying: "the timer is reset, but this time with a value of MIN(2*T1, T2)" and doubling onwards.
          // Proceeding: "the timer is reset, but this time with a value of T2".
          this.intervalE =
            this.stateValue === "proceeding" ? this.timers.t2Ms : Math.min(this.intervalE * 2, this.timers.t2Ms);
          this.timerE = wholeMs(now) + this.intervalE;
          this.retransmitted++;
          return "retransmit";
        }
        return "none";
      case "completed":
        if (now >= this.timerK) {
          this.stateValue = "terminated";
          return "terminate";
        }
        return "none";
      default:
        return "none";
    }
  }

  /** A response matched this transaction (§17.1.3) at `now`. */
  onResponse(status: number, now: number): ResponseAction {
    switch (this.stateValue) {
      case "trying":
      case "proceeding":
        if (status < 200) {
          // "If a provisional response is received while in the Trying state, the response MUST be passed to the
          // TU, and then the client transaction SHOULD move to the Proceeding state." Timer E keeps its deadline;
          // its next reset uses T2.
          this.stateValue = "proceeding";
          return "provisional";
        }
        // "the client transaction MUST transition to the Completed state … set Timer K to fire in T4 seconds for
        // unreliable transports, and zero seconds for reliable transports."
        this.timerE = NOT_RUNNING;
        if (this.reliable || this.timers.t4Ms === 0) {
          this.stateValue = "terminated";
        } else {
          this.stateValue = "completed";
          this.timerK = wholeMs(now) + this.timers.t4Ms;
        }
        return "final";
      default:
        // "Once the client transaction enters the Completed state, it MUST … buffer any response retransmissions".
        return "absorb";
    }
  }

  /**
   * The transport reported a failure (connection closed, send error): RFC 3261 §17.1.4, "the client transaction
   * SHOULD inform the TU that a transport failure has occurred, and … transition directly to the Terminated state".
   * Returns true when the TU must be told (the transaction was still waiting for a final response).
   */
  onTransportError(): boolean {
    if (this.stateValue === "trying" || this.stateValue === "proceeding") {
      this.stateValue = "terminated";
      return true;
    }
    if (this.stateValue === "completed") this.stateValue = "terminated";
    return false;
  }
}
