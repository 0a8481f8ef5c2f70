/**
 * How many ended exchanges {@link RecentExchanges} keeps: enough for one of each kind of outcome a burst ends with
 * (a 200, a 401, a timeout, …), few enough to be nothing next to the transactions in flight.
 */
export const RECENT_EXCHANGES = 8;

/**
 * The last {@link RECENT_EXCHANGES} ended exchanges (transaction, job, outcome), kept alive on purpose
 * (docs/performance.md, "Issue 14, ninth session").
 *
 * V8 holds the hidden class ("map") of an object built at run time only through the objects that have it. When a
 * refresh wave is over, every transaction, request, response and outcome of it is garbage; the collections V8's
 * memory reducer runs in the quiet time between two waves (heap shrinking, no map retention) then free those maps
 * too, and every optimised function of the exchange path that was compiled against them is thrown away ("weak
 * objects") and compiled again in the next wave: about 45 functions per quiet gap in the daemon's soak. A few ended
 * exchanges kept here keep one object of each kind, so the maps and the compiled code outlive the gap. What is kept
 * is the transaction after it ended (no request bytes, no job), its job and its outcome: a few kilobytes in all.
 */
export class RecentExchanges<T, J, O> {
  readonly #transactions: Array<T | undefined> = new Array<T | undefined>(RECENT_EXCHANGES).fill(undefined);
  readonly #jobs: Array<J | undefined> = new Array<J | undefined>(RECENT_EXCHANGES).fill(undefined);
  readonly #outcomes: Array<O | undefined> = new Array<O | undefined>(RECENT_EXCHANGES).fill(undefined);
  #next = 0;
  #count = 0;

  /** Keeps this exchange in place of the oldest one kept (three stores, nothing allocated). */
  keep(transaction: T, job: J, outcome: O): void {
    const at = this.#next;
    this.#transactions[at] = transaction;
    this.#jobs[at] = job;
    this.#outcomes[at] = outcome;
    this.#next = at + 1 === RECENT_EXCHANGES ? 0 : at + 1;
    if (this.#count < RECENT_EXCHANGES) this.#count++;
  }

  /** The outcomes kept, oldest first. */
  outcomes(): O[] {
    const out: O[] = [];
    const start = this.#count < RECENT_EXCHANGES ? 0 : this.#next;
    for (let k = 0; k < this.#count; k++) out.push(this.#outcomes[(start + k) % RECENT_EXCHANGES] as O);
    return out;
  }

  /** Lets go of everything kept (the transport closes). */
  clear(): void {
    this.#transactions.fill(undefined);
    this.#jobs.fill(undefined);
    this.#outcomes.fill(undefined);
    this.#next = 0;
    this.#count = 0;
  }
}
