/**
 * `udp:` subscribers (OpenSIPS's event_datagram, docs/events.md §2): each event is one UDP datagram holding the
 * JSON-RPC notification, sent from one unconnected socket per address family. Nothing is waited for: a send error
 * (an ICMP port unreachable, a network down) is counted and logged at debug level, never thrown.
 */
import { createSocket, type Socket } from "node:dgram";
import { type Logger, SILENT_LOGGER } from "@uacreg/runtime";
import { emptySenderCounters, type EventSender, type ResolvedTarget, type SenderCounters } from "./event-sender.js";

/** The largest event datagram OpenSIPS documents (65,457 bytes); a larger payload is dropped and counted. */
export const MAX_DATAGRAM_BYTES = 65_457;

export class DatagramSender implements EventSender {
  readonly counters: SenderCounters = emptySenderCounters();
  readonly #sockets = new Map<4 | 6, Socket>();
  readonly #log: Logger;
  #closed = false;

  constructor(logger: Logger = SILENT_LOGGER) {
    this.#log = logger;
  }

  send(target: ResolvedTarget, payload: string): void {
    if (this.#closed) return;
    const bytes = Buffer.from(payload, "utf8");
    if (bytes.length > MAX_DATAGRAM_BYTES) {
      this.counters.dropped++;
      this.#log.debug({ bytes: bytes.length, port: target.port }, "event datagram too large, dropped");
      return;
    }
    this.#socket(target.family).send(bytes, target.port, target.address, (err) => {
      if (err) {
        this.counters.errors++;
        this.#log.debug({ address: target.address, port: target.port, err: err.message }, "event datagram not sent");
      }
    });
    this.counters.sent++;
  }

  release(_target: ResolvedTarget): void {}

  async close(): Promise<void> {
    this.#closed = true;
    const sockets = [...this.#sockets.values()];
    this.#sockets.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #socket(family: 4 | 6): Socket {
    let socket = this.#sockets.get(family);
    if (socket === undefined) {
      socket = createSocket(family === 6 ? "udp6" : "udp4");
      socket.on("error", (err) => {
        this.counters.errors++;
        this.#log.debug({ err: err.message }, "event datagram socket error");
      });
      // An event socket never keeps the daemon alive on its own.
      socket.unref();
      this.#sockets.set(family, socket);
    }
    return socket;
  }
}
