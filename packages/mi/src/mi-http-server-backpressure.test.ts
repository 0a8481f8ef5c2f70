/**
 * The HTTP front end under large replies and clients that read slowly or not at all (docs/mi-protocol.md §5): real
 * loopback sockets, the server's write timeout on a VirtualClock.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SLICE_CHARS } from "./json-reply-slices.js";
import { serializeResult } from "./json-rpc-reply.js";
import { MiHttpServer, type MiHttpServerOptions } from "./mi-http-server.js";
import { MiRegistry } from "./mi-registry.js";
import { MiSlicedArray } from "./mi-sliced-array.js";
import { ReplyPacer } from "./reply-pacer.js";
import { countPasses } from "./test-support/event-loop-passes.js";

/**
 * About 1.1 kB of JSON: tens of thousands of them are more than loopback socket buffers hold (Linux lets a receive
 * buffer grow to tcp_rmem's maximum, 32 MB by default, even while nobody reads it).
 */
const record = (i: number) => ({
  AOR: `sip:user${i}@example.com`,
  expires: 3600,
  state: "REGISTERED_STATE",
  binding: `sip:user${i}@192.0.2.10:5060;${"x".repeat(1000)}`,
});

/** A registry with `big_list` (`count` records, made one by one as the reply is written) and `which`. */
function registry(count: number): MiRegistry {
  const r = new MiRegistry();
  r.register({
    name: "big_list",
    recipes: [[]],
    handler: () => ({ Records: new MiSlicedArray(count, record), Total: count }),
  });
  return r;
}

const BIG = '{"jsonrpc":"2.0","id":7,"method":"big_list"}';
const WHICH = '{"jsonrpc":"2.0","id":1,"method":"which"}';
const expected = (count: number) =>
  serializeResult(7, { Records: Array.from({ length: count }, (_, i) => record(i)), Total: count });

let server: MiHttpServer | undefined;
const sockets: Socket[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

async function start(count: number, options: Partial<MiHttpServerOptions> = {}): Promise<number> {
  server = new MiHttpServer({ registry: registry(count), port: 0, ...options });
  return (await server.listen()).port;
}

/** One POST through Node's client (de-chunked); resolves with status, headers and body. */
function post(port: number, body: string) {
  return new Promise<{ status: number; length: string | undefined; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/mi",
        agent: false,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            length: res.headers["content-length"],
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A raw client that sends the request and then reads nothing until told (its socket paused). */
function slowClient(port: number, body: string) {
  const chunks: Buffer[] = [];
  const s = connect(port, "127.0.0.1", () => {
    // Paused once connected (a pause before the connection is lost when it starts reading).
    s.pause();
    s.write(
      `POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  sockets.push(s);
  s.on("data", (c: Buffer) => chunks.push(c));
  s.pause();
  const closed = new Promise<void>((resolve) => s.on("close", () => resolve()));
  s.on("error", () => {});
  return { socket: s, closed, received: () => Buffer.concat(chunks).toString("utf8") };
}

/** The body of a chunked HTTP/1.1 response, or undefined when the terminating chunk never came. */
function dechunk(text: string): string | undefined {
  let at = text.indexOf("\r\n\r\n") + 4;
  let body = "";
  for (;;) {
    const eol = text.indexOf("\r\n", at);
    if (eol === -1) return undefined;
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (Number.isNaN(size) || eol + 2 + size > text.length) return undefined;
    if (size === 0) return body;
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** Event-loop turns until `pred` holds (the server's state moves on socket events, not on the clock). */
async function turnsUntil(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise<void>((r) => setImmediate(r));
}

describe("mi_http large replies", () => {
  it("streams a large result with the bytes of the whole reply", async () => {
    const port = await start(20_000);
    const reply = await post(port, BIG);
    expect(reply.status).toBe(200);
    expect(reply.length).toBeUndefined();
    expect(reply.body).toBe(expected(20_000));
  });

  it("makes one slice per event-loop pass among ten concurrent large replies (reply-pacer.ts), each reply whole", async () => {
    const count = 600;
    const passes = countPasses();
    stops.push(() => passes.stop());
    const madeInPass = new Map<number, number>();
    const r = new MiRegistry();
    r.register({
      name: "big_list",
      recipes: [[]],
      handler: () => ({
        Records: new MiSlicedArray(count, (i) => {
          madeInPass.set(passes.pass, (madeInPass.get(passes.pass) ?? 0) + 1);
          return record(i);
        }),
        Total: count,
      }),
    });
    server = new MiHttpServer({ registry: r, port: 0, pacer: new ReplyPacer() });
    const { port } = await server.listen();

    const replies = await Promise.all(Array.from({ length: 10 }, () => post(port, BIG)));

    for (const reply of replies) expect(reply.body).toBe(expected(count));
    // A slice is cut once it reaches DEFAULT_SLICE_CHARS: this many records at most. Without the pacer each reader
    // made a slice of its own in every pass, ten slices' worth of records in one pass.
    const perSlice = Math.ceil(DEFAULT_SLICE_CHARS / JSON.stringify(record(0)).length) + 1;
    expect([...madeInPass.values()].reduce((a, b) => a + b, 0)).toBe(10 * count);
    expect(Math.max(...madeInPass.values())).toBeLessThanOrEqual(perSlice);
  });

  it("keeps a small result whole, with its Content-Length", async () => {
    const port = await start(3);
    const reply = await post(port, BIG);
    expect(reply.body).toBe(expected(3));
    expect(reply.length).toBe(String(Buffer.byteLength(reply.body)));
  });

  it("serves other clients while one does not read its reply, and closes that one after the write timeout", async () => {
    const clock = new VirtualClock();
    const port = await start(20_000, { clock, writeTimeoutMs: 10_000 });
    const stuck = slowClient(port, BIG);
    // The server has filled the socket and waits for it to drain (its write timer is armed).
    await turnsUntil(() => clock.pendingTimers === 1);
    const which = await post(port, WHICH);
    expect(JSON.parse(which.body).result).toContain("big_list");
    await clock.advance(9_999);
    expect(stuck.socket.destroyed).toBe(false);
    await clock.advance(1);
    // A paused socket sees no close: read what the kernel holds, then the server's close (the reply unfinished).
    stuck.socket.resume();
    await stuck.closed;
    expect(stuck.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(dechunk(stuck.received())).toBeUndefined();
  });

  it("does not cut off a large reply read slowly, over many write timeouts, as long as the client keeps reading", async () => {
    const clock = new VirtualClock();
    const port = await start(20_000, { clock, writeTimeoutMs: 10_000 });
    const slow = slowClient(port, BIG);
    let closed = false;
    void slow.closed.then(() => {
      closed = true;
    });
    await turnsUntil(() => clock.pendingTimers === 1);
    let steps = 0;
    while (!closed) {
      // 6 s pass between reads: a write timeout on the total time (10 s) would cut the reply at the second step.
      await clock.advance(6_000);
      steps++;
      // Then the client reads 64 kB at a time until the server sees room in its socket (Linux wakes a writer once a
      // third of the send buffer is free, about 1.5 MB on loopback): the server drains and re-arms its timer.
      const waiting = clock.nextDeadline();
      for (let reads = 0; reads < 1000 && !closed && clock.nextDeadline() === waiting; reads++) {
        await readAbout(slow.socket, 64 * 1024);
        for (let turn = 0; turn < 50; turn++) await new Promise<void>((r) => setImmediate(r));
      }
    }
    expect(steps).toBeGreaterThan(4);
    expect(clock.now()).toBeGreaterThan(3 * 10_000);
    expect(dechunk(slow.received()) === expected(20_000)).toBe(true);
  });
});

/** Lets a paused socket deliver at least `bytes` (or its end), then pauses it again. */
function readAbout(socket: Socket, bytes: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let got = 0;
    const done = () => {
      socket.pause();
      socket.off("data", onData);
      socket.off("close", done);
      resolve();
    };
    const onData = (c: Buffer) => {
      got += c.length;
      if (got >= bytes) done();
    };
    socket.on("data", onData);
    socket.on("close", done);
    socket.resume();
  });
}

describe("mi_http connections", () => {
  it("closes connections beyond maxConnections and serves again once one is gone", async () => {
    const port = await start(1, { maxConnections: 2 });
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(port, "127.0.0.1", () => resolve(s));
            sockets.push(s);
          }),
      ),
    );
    await expect(post(port, WHICH)).rejects.toThrow();
    idle[0]?.destroy();
    await new Promise<void>((resolve) => idle[0]?.once("close", () => resolve()));
    // The server sees the close on its side on a later turn: retry until it has.
    for (;;) {
      const reply = await post(port, WHICH).catch(() => undefined);
      if (reply) {
        expect(JSON.parse(reply.body).result).toContain("big_list");
        break;
      }
    }
  });

  it("closes a kept-alive connection idle for idleTimeoutMs, and not while a request is answered", async () => {
    const clock = new VirtualClock();
    const port = await start(1, { clock, idleTimeoutMs: 5_000 });
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    s.on("error", () => {});
    let text = "";
    s.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    const closed = new Promise<void>((resolve) => s.on("close", () => resolve()));
    const ask = () =>
      s.write(
        `POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${WHICH.length}\r\n\r\n${WHICH}`,
      );
    const replies = () => text.split("HTTP/1.1 200 OK").length - 1;
    ask();
    await turnsUntil(() => replies() === 1 && clock.pendingTimers === 1);
    await clock.advance(4_999);
    // A second request on the same connection before the deadline: answered, and the idle time starts again.
    ask();
    await turnsUntil(() => replies() === 2 && clock.pendingTimers === 1);
    await clock.advance(4_999);
    expect(s.destroyed).toBe(false);
    await clock.advance(1);
    await closed;
    expect(replies()).toBe(2);
  });

  it("closes a connection whose request never completes (requestTimeoutMs)", async () => {
    const port = await start(1, { requestTimeoutMs: 300 });
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    s.on("error", () => {});
    s.write("POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    const received: Buffer[] = [];
    s.on("data", (c: Buffer) => received.push(c));
    await new Promise<void>((resolve) => s.on("close", () => resolve()));
    // Closed by the server (Node answers 408 when it still can); never a reply to the half request.
    expect(Buffer.concat(received).toString("latin1")).not.toContain("200 OK");
  });
});
