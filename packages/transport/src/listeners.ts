import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "@uacreg/runtime";
import { advertisedAddress, type LocalSocket, readTlsFiles, type TlsSocketOptions, udpLookup } from "./local-socket.js";
import { hostPort, makeSocketSpec, parseSocketSpec, type SocketSpec } from "./socket-spec.js";
import { SocketBindError } from "./transport-error.js";

/** Where the listening sockets hand what arrives. */
export interface ListenerEvents {
  /** A UDP datagram arrived on `socket`. */
  datagram(socket: LocalSocket, data: Buffer, from: dgram.RemoteInfo): void;
  /** A TCP/TLS connection was accepted on `socket` (TLS: once its handshake is done). */
  accepted(socket: LocalSocket, conn: net.Socket): void;
}

/**
 * The listening sockets of a transport (the `listen` entries): UDP, TCP and TLS, IPv4 and IPv6, bound once at open
 * and never changed after. UDP sockets get bigger kernel buffers (see {@link Listeners.growBuffers}).
 */
export class Listeners {
  private readonly byCanonical = new Map<string, LocalSocket>();

  constructor(
    private readonly events: ListenerEvents,
    private readonly logger: Logger,
    private readonly udpBufferBytes: number,
  ) {}

  /**
   * Binds every `listen` entry in order. Rejects with a {@link SocketBindError} naming the socket (bad spec, address
   * in use, TLS socket without certificate…); the caller closes the sockets already bound.
   */
  async bindAll(listen: readonly string[], tlsBySpec: Record<string, TlsSocketOptions> = {}): Promise<void> {
    if (listen.length === 0) throw new SocketBindError("(none)", "at least one listen socket is required");
    const tlsByCanonical = new Map<string, TlsSocketOptions>();
    for (const [spec, o] of Object.entries(tlsBySpec)) tlsByCanonical.set(this.parse(spec).canonical, o);
    for (const text of listen) {
      const spec = this.parse(text);
      await this.bind(spec, tlsByCanonical.get(spec.canonical));
    }
  }

  /** The socket named by `spec` (as written or canonical). @throws SocketSpecError when `spec` does not parse */
  find(spec: string): LocalSocket | undefined {
    return this.byCanonical.get(spec) ?? this.byCanonical.get(parseSocketSpec(spec).canonical);
  }

  /** True when `spec` names one of the sockets (false for a spec that does not parse). */
  has(spec: string): boolean {
    try {
      return this.byCanonical.has(parseSocketSpec(spec).canonical);
    } catch {
      return false;
    }
  }

  /** Canonical specs, with the real port when `:0` was asked. */
  specs(): string[] {
    return [...this.byCanonical.keys()];
  }

  /** The sockets, in `listen` order. */
  all(): LocalSocket[] {
    return [...this.byCanonical.values()];
  }

  /** Closes every socket and server (accepted connections are the pool's). */
  async close(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const l of this.byCanonical.values()) {
      const udp = l.udp;
      if (udp) closing.push(new Promise((r) => udp.close(() => r())));
      const server = l.server;
      if (server) closing.push(new Promise((r) => server.close(() => r())));
    }
    this.byCanonical.clear();
    await Promise.all(closing);
  }

  private parse(text: string): SocketSpec {
    try {
      return parseSocketSpec(text);
    } catch (err) {
      throw new SocketBindError(text, (err as Error).message, { cause: err });
    }
  }

  private async bind(spec: SocketSpec, tlsOpts: TlsSocketOptions | undefined): Promise<void> {
    let tlsOptions: LocalSocket["tlsOptions"];
    if (spec.proto === "tls") {
      try {
        tlsOptions = readTlsFiles(tlsOpts);
      } catch (err) {
        throw new SocketBindError(spec.canonical, `cannot read TLS file: ${(err as Error).message}`, { cause: err });
      }
      if (tlsOptions.cert === undefined || tlsOptions.key === undefined) {
        throw new SocketBindError(spec.canonical, "a TLS socket needs tls[spec].cert and tls[spec].key");
      }
    }
    if (spec.port !== 0 && this.byCanonical.has(spec.canonical)) {
      throw new SocketBindError(spec.canonical, "listed twice");
    }
    const socket: LocalSocket = { spec, sentBy: "", tlsOptions };
    let port: number;
    try {
      port = spec.proto === "udp" ? await this.bindUdp(socket) : await this.bindStream(socket);
    } catch (err) {
      try {
        socket.udp?.close();
        socket.server?.close();
      } catch {
        // not running: nothing to release
      }
      throw new SocketBindError(spec.canonical, (err as Error).message, { cause: err });
    }
    socket.spec = makeSocketSpec(spec.proto, spec.address, port);
    socket.sentBy = hostPort(advertisedAddress(spec.address, spec.family), port);
    this.byCanonical.set(socket.spec.canonical, socket);
  }

  private bindUdp(l: LocalSocket): Promise<number> {
    const sock = dgram.createSocket({
      type: l.spec.family === 6 ? "udp6" : "udp4",
      ipv6Only: l.spec.family === 6,
      lookup: udpLookup(),
    });
    l.udp = sock;
    return new Promise((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(l.spec.port, l.spec.address, () => {
        sock.off("error", reject);
        this.growBuffers(sock, l);
        sock.on("error", (err) => this.logger.warn({ socket: l.spec.canonical, err: err.message }, "UDP socket error"));
        sock.on("message", (msg, rinfo) => this.events.datagram(l, msg, rinfo));
        resolve(sock.address().port);
      });
    });
  }

  /**
   * A burst of requests brings a burst of responses: the default 208 KiB receive buffer holds only about 500 of
   * them, and every one lost costs a T1 retransmission. Ask for more (the kernel caps it at rmem_max).
   */
  private growBuffers(sock: dgram.Socket, l: LocalSocket): void {
    try {
      sock.setRecvBufferSize(this.udpBufferBytes);
      sock.setSendBufferSize(this.udpBufferBytes);
    } catch (err) {
      this.logger.debug({ socket: l.spec.canonical, err: String(err) }, "cannot grow UDP buffers");
    }
  }

  private bindStream(l: LocalSocket): Promise<number> {
    const accepted = (s: net.Socket) => this.events.accepted(l, s);
    const server =
      l.spec.proto === "tls"
        ? tls.createServer({ cert: l.tlsOptions?.cert, key: l.tlsOptions?.key }, accepted)
        : net.createServer(accepted);
    l.server = server;
    if (l.spec.proto === "tls") {
      server.on("tlsClientError", (err: Error) =>
        this.logger.debug({ socket: l.spec.canonical, err: err.message }, "TLS handshake failed"),
      );
    }
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: l.spec.address, port: l.spec.port, ipv6Only: l.spec.family === 6 }, () => {
        server.off("error", reject);
        server.on("error", (err) => this.logger.warn({ socket: l.spec.canonical, err: err.message }, "server error"));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }
}
