import { hostPort } from "./socket-spec.js";
import type { ClientTransaction } from "./transaction-layer.js";
import { writeAllowed } from "./transaction-outcome.js";
import { TransportError } from "./transport-error.js";

/**
 * The UDP datagrams of client transactions, sent at the end of the event-loop turn. Responses arrive in batches
 * (libuv reads up to 32 datagrams per poll) and each may start the next request; sending those after the batch, back
 * to back, lets the peer take them in one wake-up instead of one per datagram. (`setImmediate` batches the turn; it
 * is not a timer.)
 */
export class UdpOutbox {
  private outbox: ClientTransaction[] = [];
  private readonly flushBound = (): void => this.flush();

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
    if (this.outbox.length === 1) setImmediate(this.flushBound);
  }

  private flush(): void {
    const out = this.outbox;
    this.outbox = [];
    for (const tx of out) {
      // Ended meanwhile (closed, failed): nothing to send. A completed transaction has no bytes any more.
      if (tx.bytes.length === 0 || (tx.state !== "trying" && tx.state !== "proceeding")) continue;
      // The guard is asked right before the write, here at the end of the turn (docs/cluster.md §6).
      if (writeAllowed(tx.job?.req.guard)) this.sendNow(tx);
      else this.fenced(tx);
    }
  }

  private sendNow(tx: ClientTransaction): void {
    let onSent = tx.onSent;
    if (onSent === undefined) {
      onSent = (err: Error | null) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why =
            code === "EMSGSIZE"
              ? `request of ${tx.bytes.length} bytes is larger than a UDP datagram on this path allows (EMSGSIZE)`
              : err.message;
          const message = `send to ${hostPort(tx.target.address, tx.target.port)} failed: ${why}`;
          this.failed(tx, new TransportError(message, "send-failed", { cause: err }));
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
}
