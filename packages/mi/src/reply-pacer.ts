/**
 * Turns of the event loop shared by every large reply being written (issue 10 item 10, docs/mi-protocol.md §3):
 * each waiter gets one turn in its order of arrival, and at most one turn is given per pass of the event loop (a
 * `setImmediate`, after the loop has polled for I/O). A front end takes a turn before making each slice of a reply
 * whose items are made as it is written (a {@link MiSlicedArray}), so however many clients read `reg_list` at once,
 * one slice is made between two polls: a small command waits for one slice, not for one slice per reader, and the
 * readers share the throughput of one.
 */
export class ReplyPacer {
  readonly #waiting: (() => void)[] = [];
  #head = 0;
  #armed = false;

  /** Replies waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /** Resolves when it is this caller's turn: after every earlier caller's, and after the event loop polled I/O. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#arm();
    });
  }

  #arm(): void {
    if (this.#armed || this.waiting === 0) return;
    this.#armed = true;
    setImmediate(() => {
      this.#armed = false;
      const next = this.#waiting[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
      next?.();
      this.#arm();
    });
  }
}

/** The pacer the MI servers share unless given their own: one for the process, so HTTP and FIFO readers share it. */
export const SHARED_REPLY_PACER = new ReplyPacer();

/**
 * The slices of a reply, read one at a time: a lazy reply (its slices made as they are read) takes a turn of
 * `pacer` before each slice is made; any other reply's slices are already text, and one `setImmediate` passes
 * between two of them, as a yield to the event loop.
 */
export async function* pacedSlices(slices: Iterable<string>, lazy: boolean, pacer: ReplyPacer): AsyncGenerator<string> {
  const source = slices[Symbol.iterator]();
  for (let index = 0; ; index++) {
    if (lazy) await pacer.turn();
    else if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const next = source.next();
    if (next.done) return;
    yield next.value;
  }
}
