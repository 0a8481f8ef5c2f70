/**
 * `tcp:` subscribers (OpenSIPS's event_stream, docs/events.md §2): one TCP connection per destination, opened on
 * the first event and reused; each event is the JSON-RPC notification written as is, objects back to back with no
 * delimiter or length prefix (a reader splits them by parsing JSON). Anything the subscriber sends back is read and
 * ignored (no reliable mode).
 *
 * Never blocks: writes are queued by the socket; a subscriber that stops reading fills at most `maxBufferedBytes`,
 * after which its events are dropped and counted. A refused, failed or reset connection drops what it held (counted)
 * and the next event connects again. A connection that does not complete within `connectTimeoutMs` is abandoned.
 */
import { connect, type Socket } from "node:net";
import { type Clock, type Logger, SILENT_LOGGER, type TimerHandle } from "@uacreg/runtime";
import { emptySenderCounters, type EventSender, type ResolvedTarget, type SenderCounters } from "./event-sender.js";

export interface StreamSenderOptions {
  readonly clock: Clock;
  /** Bytes a connection may hold unwritten before events to it are dropped (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** How long a connection may take to open (default 5,000 ms). */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Connection {
  readonly socket: Socket;
  connectTimer: TimerHandle | undefined;
}

const keyOf = (t: ResolvedTarget): string => `${t.family === 6 ? `[${t.address}]` : t.address}:${t.port}`;

export class StreamSender implements EventSender {
  readonly counters: SenderCounters = emptySenderCounters();
  readonly #connections = new Map<string, Connection>();
  readonly #clock: Clock;
  readonly #maxBuffered: number;
  readonly #connectTimeoutMs: number;
  readonly #log: Logger;
  #closed = false;

  constructor(options: StreamSenderOptions) {
    this.#clock = options.clock;
    this.#maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /** Connections open or opening now. */
  get connections(): number {
    return this.#connections.size;
  }

  send(target: ResolvedTarget, payload: string): void {
    if (this.#closed) return;
    const key = keyOf(target);
    let c = this.#connections.get(key);
    // A connection destroyed in this turn is still listed until its "close" event: open a new one instead.
    if (c === undefined || c.socket.destroyed) c = this.#open(key, target);
    const bytes = Buffer.byteLength(payload, "utf8");
    if (c.socket.writableLength + bytes > this.#maxBuffered) {
      this.counters.dropped++;
      this.#log.debug(
        { target: key, buffered: c.socket.writableLength },
        "event subscriber not reading, event dropped",
      );
      return;
    }
    // The callback runs once the bytes are with the kernel, or with an error when the connection is lost first.
    c.socket.write(payload, (err) => {
      if (err === undefined || err === null) this.counters.sent++;
      else this.counters.dropped++;
    });
  }

  release(target: ResolvedTarget): void {
    const key = keyOf(target);
    const c = this.#connections.get(key);
    if (c === undefined) return;
    this.#connections.delete(key);
    c.connectTimer?.cancel();
    c.socket.end(() => c.socket.destroy());
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.connectTimer?.cancel();
            if (c.socket.destroyed) return resolve();
            c.socket.once("close", () => resolve());
            c.socket.destroy();
          }),
      ),
    );
  }

  #open(key: string, target: ResolvedTarget): Connection {
    const socket = connect({ host: target.address, port: target.port, family: target.family });
    socket.setNoDelay(true);
    const c: Connection = { socket, connectTimer: undefined };
    c.connectTimer = this.#clock.setTimer(this.#connectTimeoutMs, () => {
      c.connectTimer = undefined;
      if (socket.connecting) socket.destroy(new Error(`connect timed out after ${this.#connectTimeoutMs} ms`));
    });
    socket.once("connect", () => {
      c.connectTimer?.cancel();
      c.connectTimer = undefined;
    });
    // Replies (a subscriber answering a notification anyway) are read and thrown away, so it never stalls on us.
    socket.on("data", () => {});
    socket.on("error", (err) => {
      this.counters.errors++;
      this.#log.debug({ target: key, err: err.message }, "event stream connection failed");
    });
    socket.once("close", () => {
      c.connectTimer?.cancel();
      if (this.#connections.get(key) === c) this.#connections.delete(key);
    });
    this.#connections.set(key, c);
    return c;
  }
}
