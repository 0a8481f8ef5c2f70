/**
 * SIGHUP reloads, coalesced: at most one reload runs and one waits. A SIGHUP during a reload asks for one more run
 * after it (the change it announces may have come after the running reload read the table); any further SIGHUP
 * before that run starts joins it. 100 SIGHUPs in a second cost two reloads, not 100.
 */
export class CoalescedReload {
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(private readonly run: () => Promise<void>) {}

  /** Resolves (or rejects) with the run that covers this request: the queued one if a reload is running. */
  request(): Promise<void> {
    if (this.#running === undefined) return this.#start();
    this.#queued ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.#start();
      });
    return this.#queued;
  }

  #start(): Promise<void> {
    const running = this.run().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
