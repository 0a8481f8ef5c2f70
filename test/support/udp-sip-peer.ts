/**
 * A bare UDP endpoint for tests that speak SIP by hand: send a datagram, wait for the next one. No parsing, no
 * retransmission: what is sent is exactly what the test wrote.
 */
import { createSocket, type Socket } from "node:dgram";

export class UdpSipPeer {
  readonly host: string;
  private readonly socket: Socket;
  private readonly queue: string[] = [];
  private waiter: ((msg: string) => void) | undefined;

  private constructor(socket: Socket, host: string) {
    this.socket = socket;
    this.host = host;
    socket.on("message", (buf) => {
      const msg = buf.toString("latin1");
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w(msg);
      } else this.queue.push(msg);
    });
  }

  /** Binds a UDP socket on host, port chosen by the OS. */
  static async open(host = "127.0.0.1"): Promise<UdpSipPeer> {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    return new UdpSipPeer(socket, host);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends text (latin-1) to host:port. */
  send(text: string, port: number, host = this.host): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(Buffer.from(text, "latin1"), port, host, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The next datagram received, or undefined after timeoutMs. */
  next(timeoutMs = 2000): Promise<string | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
    });
  }

  /** Sends a request and returns the next datagram (the answer), or undefined after timeoutMs. */
  async request(text: string, port: number, timeoutMs = 2000, host = this.host): Promise<string | undefined> {
    await this.send(text, port, host);
    return this.next(timeoutMs);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The first value of a header in a raw SIP message (case-insensitive, no compact forms), or undefined. */
export function rawHeader(message: string, name: string): string | undefined {
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}[ \\t]*:[ \\t]*(.*)$`, "im");
  return re.exec(message.split("\r\n\r\n")[0] ?? "")?.[1]?.trim();
}

/** The status code of a raw SIP response, or undefined for anything else. */
export function rawStatus(message: string | undefined): number | undefined {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(message ?? "");
  return m?.[1] ? Number(m[1]) : undefined;
}
