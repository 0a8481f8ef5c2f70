/**
 * A loopback TCP proxy that can cut every connection, refuse new ones, or blackhole them (hold every byte, as a dead
 * route does: the peers see no error, only silence): adapters' and cluster tests put it between a client and a real
 * server to exercise the reconnect and the fencing paths (test tooling, exported for the adapter packages and test/).
 */
import { createServer, type Server, type Socket, connect } from "node:net";

export interface TcpFaultProxy {
  /** The port the proxy listens on (127.0.0.1, chosen by the OS). */
  readonly port: number;
  /** Destroys every proxied connection (both sides), as a server restart would. */
  dropAll(): void;
  /** While true, new connections are accepted and closed at once. */
  refuse(on: boolean): void;
  /**
   * While true, no byte crosses the proxy in either direction and new connections are accepted but hear nothing; the
   * held bytes flow again, in order, when it is turned off (a route that came back, not a reset).
   */
  blackhole(on: boolean): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(targetHost: string, targetPort: number): Promise<TcpFaultProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let holding = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
    if (holding) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    get accepted() {
      return accepted;
    },
    dropAll() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    refuse(on) {
      refusing = on;
    },
    blackhole(on) {
      holding = on;
      for (const s of sockets) {
        if (on) s.pause();
        else s.resume();
      }
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
