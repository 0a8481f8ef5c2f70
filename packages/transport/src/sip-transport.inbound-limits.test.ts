import dgram from "node:dgram";
import { once } from "node:events";
import net from "node:net";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { type StreamPeer, streamPeer } from "./test-support/stream-peer.js";
import { answersBeforeMarker, echoResponse, register } from "./test-support/udp-peer.js";

/**
 * Inbound TCP over real loopback connections on a VirtualClock. Sync point: a UDP marker round trip to the same
 * transport after a TCP write (the bytes were in the transport's receive buffer before the marker, so they were read
 * by the time the marker is answered).
 */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
async function transport(opts: Partial<Parameters<typeof SipTransport.open>[0]> = {}) {
  const t = await SipTransport.open({
    listen: ["tcp:127.0.0.1:0", "udp:127.0.0.1:0"],
    timers: { t1Ms: 50, frTimeoutS: 2 },
    clock: new VirtualClock(),
    ...opts,
  });
  open.push(t);
  return t;
}
async function marker(t: SipTransport): Promise<() => Promise<void>> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
  const udpPort = Number(t.sockets()[1]!.split(":").at(-1));
  return async () => {
    await answersBeforeMarker(s, udpPort);
  };
}
async function connect(t: SipTransport): Promise<net.Socket> {
  const port = Number(t.sockets()[0]!.split(":").at(-1));
  const s = net.connect(port, "127.0.0.1");
  open.push({
    close: async () => {
      s.destroy();
    },
  });
  await once(s, "connect");
  return s;
}
function optionsOn(s: net.Socket, callId: string): Promise<string> {
  return new Promise<string>((resolve) => {
    let buf = "";
    const onData = (c: Buffer) => {
      buf += c.toString();
      if (buf.includes("\r\n\r\n")) {
        s.off("data", onData);
        resolve(buf);
      }
    };
    s.on("data", onData);
    s.write(
      "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKp\r\n" +
        `From: <sip:r@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    );
  });
}

describe("inbound TCP limits", () => {
  it("does not let trickling bytes re-arm the idle close: idle 5 s, a byte every 3 s, closed at 5 s", async () => {
    const clock = new VirtualClock();
    const t = await transport({ clock, idleTimeoutMs: 5000, inbound: { headerTimeoutMs: 60_000 } });
    const sync = await marker(t);
    const s = await connect(t);
    const closed = once(s, "close");
    s.write("OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nX-Slow: ");
    await sync();
    await clock.advance(3000);
    s.write("a");
    await sync();
    await clock.advance(1999);
    expect(t.counters.openConnections).toBe(1);
    await clock.advance(1);
    await closed;
    expect(t.counters.openConnections).toBe(0);
  });

  it("closes a slowloris peer at the header deadline although a byte arrives every 3 s", async () => {
    const clock = new VirtualClock();
    const t = await transport({ clock, inbound: { headerTimeoutMs: 10_000 } });
    const sync = await marker(t);
    const s = await connect(t);
    const closed = once(s, "close");
    s.write("OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nX-Slow: ");
    await sync();
    expect(t.counters.openConnections).toBe(1);
    for (let i = 0; i < 3; i++) {
      await clock.advance(3000);
      s.write("a");
      await sync();
    }
    await clock.advance(999); // 9999 ms after the head began
    expect(t.counters.openConnections).toBe(1);
    await clock.advance(1);
    await closed;
    expect(t.counters.openConnections).toBe(0);
    expect(t.counters.headerTimeouts).toBe(1);
  });

  it("closes at once a connection beyond the per-source cap; the others keep working", async () => {
    const t = await transport({ inbound: { maxPerSource: 2 } });
    const a = await connect(t);
    const b = await connect(t);
    const c = await connect(t);
    await once(c, "close");
    expect(t.counters.refusedConnections).toBe(1);
    expect(await optionsOn(a, "a")).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(await optionsOn(b, "b")).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  });

  it("still registers over outbound TCP while the inbound cap is reached", async () => {
    const reg: StreamPeer = await streamPeer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
    open.push(reg);
    const t = await transport({ inbound: { maxConnections: 2 } });
    await connect(t);
    await connect(t);
    const third = await connect(t);
    await once(third, "close");
    expect(t.counters.refusedConnections).toBe(1);
    const o = await t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    expect(o.kind === "response" ? o.response.status : o.kind).toBe(200);
  });

  it("does not cut our outbound connection while a registrar's large reply trickles in (Timer F bounds it)", async () => {
    const clock = new VirtualClock();
    let sync: () => Promise<void> = async () => {};
    const reg: StreamPeer = await streamPeer((text, socket) => {
      // A 200 with 4 KiB of headers, written in three parts 4 s apart: longer than the inbound header deadline.
      const bytes = Buffer.from(
        echoResponse(text, 200, "OK").replace("\r\n\r\n", `\r\nX-Pad: ${"p".repeat(4096)}\r\n\r\n`),
      );
      void (async () => {
        socket.write(bytes.subarray(0, 1000));
        await sync();
        await clock.advance(4000);
        socket.write(bytes.subarray(1000, 3000));
        await sync();
        await clock.advance(4000);
        socket.write(bytes.subarray(3000));
      })();
    });
    open.push(reg);
    const t = await transport({ clock, timers: { t1Ms: 500, frTimeoutS: 32 }, inbound: { headerTimeoutMs: 1000 } });
    sync = await marker(t);
    const o = await t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    expect(o.kind === "response" ? o.response.status : o.kind).toBe(200);
    expect(clock.now()).toBe(8000);
    expect(t.counters.headerTimeouts).toBe(0);
    expect(t.counters.openConnections).toBe(1);
  });
});
