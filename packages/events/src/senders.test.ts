/** The two senders on real loopback sockets: what a listener receives, and that a bad subscriber never hurts us. */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { systemClock } from "@uacreg/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { DatagramSender } from "./datagram-sender.js";
import { eventPayload } from "./event-payload.js";
import { StreamSender } from "./stream-sender.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves once `predicate` holds, checking after each I/O turn (no sleeps). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !predicate(); i++) await new Promise((r) => setImmediate(r));
  if (!predicate()) throw new Error(`gave up waiting for ${what}`);
}

describe("DatagramSender", () => {
  it("sends each event as one datagram holding the notification", async () => {
    const listener = createSocket("udp4");
    listener.bind(0, "127.0.0.1");
    await once(listener, "listening");
    cleanups.push(() => new Promise<void>((r) => listener.close(() => r())));
    const got: string[] = [];
    listener.on("message", (m) => got.push(m.toString("utf8")));
    const sender = new DatagramSender();
    cleanups.push(() => sender.close());
    const target = { address: "127.0.0.1", family: 4 as const, port: listener.address().port };
    sender.send(target, eventPayload("E_REGISTRANT_REGISTERED", { aor: "sip:a@x" }));
    sender.send(target, eventPayload("E_REGISTRANT_REGISTERING", { aor: "sip:é@x" }));
    await until(() => got.length === 2, "two datagrams");
    expect(got).toEqual([
      '{"jsonrpc":"2.0","method":"E_REGISTRANT_REGISTERED","params":{"aor":"sip:a@x"}}',
      '{"jsonrpc":"2.0","method":"E_REGISTRANT_REGISTERING","params":{"aor":"sip:é@x"}}',
    ]);
    expect(sender.counters.sent).toBe(2);
  });

  it("drops a payload too large for a datagram, and shrugs off a closed port", async () => {
    const sender = new DatagramSender();
    cleanups.push(() => sender.close());
    const target = { address: "127.0.0.1", family: 4 as const, port: 9 };
    sender.send(target, "x".repeat(70_000));
    sender.send(target, "{}");
    expect(sender.counters).toMatchObject({ sent: 1, dropped: 1 });
  });
});

async function tcpListener(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { server, port: address.port };
}

describe("StreamSender", () => {
  it("opens one connection on the first event and writes the notifications back to back", async () => {
    let connections = 0;
    let text = "";
    const { port } = await tcpListener((s) => {
      connections++;
      s.setEncoding("utf8");
      s.on("data", (d: string) => {
        text += d;
      });
    });
    const sender = new StreamSender({ clock: systemClock });
    cleanups.push(() => sender.close());
    const target = { address: "127.0.0.1", family: 4 as const, port };
    const a = eventPayload("E_REGISTRANT_REGISTERED", { aor: "sip:a@x" });
    const b = eventPayload("E_REGISTRANT_WRONG_CREDENTIALS", { aor: "sip:a@x" });
    sender.send(target, a);
    sender.send(target, b);
    await until(() => text.length === a.length + b.length, "both notifications");
    expect(text).toBe(a + b);
    expect(connections).toBe(1);
    expect(sender.counters).toMatchObject({ sent: 2, dropped: 0 });
  });

  it("drops and counts events for a subscriber that stops reading, within its buffer bound", async () => {
    const { port } = await tcpListener((s) => s.pause());
    const sender = new StreamSender({ clock: systemClock, maxBufferedBytes: 64 * 1024 });
    cleanups.push(() => sender.close());
    const target = { address: "127.0.0.1", family: 4 as const, port };
    const payload = eventPayload("E_REGISTRANT_REGISTERED", { pad: "x".repeat(1000) });
    // Far more than the kernel's socket buffers and our bound take together.
    for (let round = 0; round < 40 && sender.counters.dropped === 0; round++) {
      for (let i = 0; i < 200; i++) sender.send(target, payload);
      await new Promise((r) => setImmediate(r));
    }
    expect(sender.counters.dropped).toBeGreaterThan(0);
  });

  it("counts a refused connection and connects again on the next event", async () => {
    let text = "";
    const { server, port } = await tcpListener((s) => {
      s.setEncoding("utf8");
      s.on("data", (d: string) => {
        text += d;
      });
    });
    await new Promise<void>((r) => server.close(() => r()));
    const sender = new StreamSender({ clock: systemClock });
    cleanups.push(() => sender.close());
    const target = { address: "127.0.0.1", family: 4 as const, port };
    sender.send(target, "{}");
    await until(() => sender.counters.errors === 1 && sender.connections === 0, "the refusal");
    expect(sender.counters.dropped).toBe(1);
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    sender.send(target, '{"a":1}');
    await until(() => text === '{"a":1}', "the event after reconnecting");
  });
});
