import { once } from "node:events";
import { createServer, type Socket, connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "./tcp-fault-proxy.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** An echo server that counts the bytes it received. */
async function echoServer(): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("data", (d) => {
      received += d.length;
      s.write(d);
    });
    s.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, received: () => received };
}

async function dial(proxy: TcpFaultProxy): Promise<Socket> {
  const socket = connect(proxy.port, "127.0.0.1");
  socket.on("error", () => undefined);
  await once(socket, "connect");
  cleanup.push(() => {
    socket.destroy();
  });
  return socket;
}

/** One round trip straight to the server: everything sent to it before has been processed. */
async function roundTrip(port: number): Promise<void> {
  const direct = connect(port, "127.0.0.1");
  await once(direct, "connect");
  direct.write("x");
  await once(direct, "data");
  direct.destroy();
}

describe("TcpFaultProxy.blackhole", () => {
  it("holds every byte while on (the server hears nothing, the client gets no error) and delivers them when off", async () => {
    const server = await echoServer();
    const proxy = await startTcpFaultProxy("127.0.0.1", server.port);
    cleanup.push(() => proxy.close());
    const client = await dial(proxy);
    client.write("a");
    await once(client, "data");
    proxy.blackhole(true);
    const late = await dial(proxy); // accepted, but hears nothing either
    client.write("held");
    late.write("late");
    await roundTrip(server.port);
    expect(server.received()).toBe(1 + 1); // "a" and the direct "x": nothing crossed the blackhole
    proxy.blackhole(false);
    const [echo] = (await once(client, "data")) as [Buffer];
    expect(echo.toString()).toBe("held");
    const [lateEcho] = (await once(late, "data")) as [Buffer];
    expect(lateEcho.toString()).toBe("late");
  });
});
