import net from "node:net";
import tls from "node:tls";

/** A TCP (or TLS) peer on loopback: splits what it receives into SIP messages (Content-Length 0 only). */
export interface StreamPeer {
  port: number;
  connections: net.Socket[];
  requests: Array<{ text: string; socket: net.Socket }>;
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function streamPeer(
  onRequest?: (text: string, socket: net.Socket, index: number) => void,
  opts?: { tls?: { cert: Buffer; key: Buffer }; host?: string },
): Promise<StreamPeer> {
  const connections: net.Socket[] = [];
  const requests: StreamPeer["requests"] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const handle = (socket: net.Socket) => {
    connections.push(socket);
    let buffer = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
        const text = buffer.slice(0, end + 4);
        buffer = buffer.slice(end + 4);
        requests.push({ text, socket });
        for (const w of waiters.splice(0)) {
          if (requests.length >= w.n) w.resolve();
          else waiters.push(w);
        }
        onRequest?.(text, socket, requests.length - 1);
      }
    });
  };
  const server = opts?.tls ? tls.createServer(opts.tls, handle) : net.createServer(handle);
  const host = opts?.host ?? "127.0.0.1";
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    requests,
    waitFor: (n) => (requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((r) => {
        for (const c of connections) c.destroy();
        server.close(() => r());
      }),
  };
}
