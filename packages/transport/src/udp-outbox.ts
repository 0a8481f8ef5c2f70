import type dgram from "node:dgram";
import { hostPort } from "./socket-spec.js";
import type { ClientTransaction } from "./transaction-layer.js";
import { writeAllowed } from "./transaction-outcome.js";
import { TransportError } from "./transport-error.js";

/**
 * A first-in first-out queue in a ring that only grows (doubling): pushing and shifting store and clear one slot, so
 * a queue that fills and drains every event-loop turn allocates nothing once it has reached its largest size (an
 * array emptied by `length = 0` or replaced by `[]` gave its store back and grew a new one at the next burst).
 */
export class Fifo<T> {
  private items: Array<T | undefined> = new Array<T | undefined>(16).fill(undefined);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    const items = this.items;
    items[(this.head + this.count) % items.length] = item;
    this.count++;
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const items = this.items;
    const item = items[this.head];
    items[this.head] = undefined;
    this.head = (this.head + 1) % items.length;
    this.count--;
    return item;
  }

  private grow(): void {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let k = 0; k < this.count; k++) items[k] = old[(this.head + k) % old.length];
    this.items = items;
    this.head = 0;
  }
}

/**
 * The transactions whose datagrams one UDP socket has sent and whose node:dgram send callback has not come yet, in
 * send order. One callback per socket serves every send: node:dgram calls a socket's send callbacks in the order of
 * the sends (a send completed at once is reported on the next tick; once one waits in libuv's send queue, every later
 * one waits behind it, and libuv completes them in order), so the callback's transaction is always the oldest here.
 * A transaction thus keeps no closure of its own while it is in flight, and a failed send is still reported to the
 * transaction that made it (RFC 3261 §17.1.4).
 */
class SentQueue {
  private readonly pending = new Fifo<ClientTransaction>();
  /** The shared send callback of this socket (node:dgram's `(err, bytes)`). */
  readonly onSent = (err: Error | null): void => {
    const tx = this.pending.shift();
    if (err && tx !== undefined) this.failed(tx, err);
  };

  constructor(private readonly failed: (tx: ClientTransaction, err: Error) => void) {}

  push(tx: ClientTransaction): void {
    this.pending.push(tx);
  }
}

/**
 * The UDP datagrams of client transactions, sent at the end of the event-loop turn. Responses arrive in batches
 * (libuv reads up to 32 datagrams per poll) and each may start the next request; sending those after the batch, back
 * to back, lets the peer take them in one wake-up instead of one per datagram. (`setImmediate` batches the turn; it
 * is not a timer.)
 */
export class UdpOutbox {
  private readonly outbox = new Fifo<ClientTransaction>();
  private flushScheduled = false;
  private readonly flushBound = (): void => this.flush();
  private readonly sent = new Map<dgram.Socket, SentQueue>();
  private readonly sendFailedBound = (tx: ClientTransaction, err: Error): void => this.sendFailed(tx, err);

  /**
   * `failed` gets a send error of a transaction (RFC 3261 §17.1.4); `fenced` a transaction whose send guard refused
   * the write (docs/cluster.md §6).
   */
  constructor(
    private readonly failed: (tx: ClientTransaction, error: Error) => void,
    private readonly fenced: (tx: ClientTransaction) => void,
  ) {}

  /** Queues `tx`'s datagram (first transmission or Timer E retransmission) for the end of this turn. */
  push(tx: ClientTransaction): void {
    this.outbox.push(tx);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private flush(): void {
    // Only what was queued before the flush: a datagram queued meanwhile waits for the flush it scheduled.
    this.flushScheduled = false;
    const out = this.outbox;
    for (let n = out.size; n > 0; n--) {
      const tx = out.shift()!;
      // Ended meanwhile (closed, failed): nothing to send. A completed transaction has no bytes any more.
      if (tx.bytes.length === 0 || (tx.state !== "trying" && tx.state !== "proceeding")) continue;
      // The guard is asked right before the write, here at the end of the turn (docs/cluster.md §6).
      if (writeAllowed(tx.job?.req.guard)) this.sendNow(tx);
      else this.fenced(tx);
    }
  }

  private sendNow(tx: ClientTransaction): void {
    const socket = tx.listener.udp!;
    let queue = this.sent.get(socket);
    if (queue === undefined) {
      queue = new SentQueue(this.sendFailedBound);
      this.sent.set(socket, queue);
    }
    try {
      socket.send(tx.bytes, tx.target.port, tx.target.address, queue.onSent);
    } catch (err) {
      // dgram throws synchronously on a closed socket or a bad address (no callback will come for this send);
      // report it like an asynchronous failure.
      queueMicrotask(() => this.sendFailed(tx, err instanceof Error ? err : new Error(String(err))));
      return;
    }
    queue.push(tx);
  }

  private sendFailed(tx: ClientTransaction, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EMSGSIZE"
        ? `request of ${tx.bytes.length} bytes is larger than a UDP datagram on this path allows (EMSGSIZE)`
        : err.message;
    const message = `send to ${hostPort(tx.target.address, tx.target.port)} failed: ${why}`;
    this.failed(tx, new TransportError(message, "send-failed", { cause: err }));
  }
}
