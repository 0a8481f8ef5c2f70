import dgram from "node:dgram";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { streamPeer } from "./test-support/stream-peer.js";
import { echoResponse, register } from "./test-support/udp-peer.js";

/** RFC 3261 §18.1.1 over real loopback sockets: a request too large for UDP goes over TCP, or fails saying why. */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function large(nextHop: string, bytes: number) {
  const r = register(nextHop);
  return { ...r, headers: `${r.headers}X-Nonce-Padding: ${"n".repeat(bytes)}\r\n` };
}

/** A registrar listening on TCP and UDP on the same port; it answers 200 on either. */
async function dualRegistrar() {
  const tcp = await streamPeer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
  open.push(tcp);
  const udp = dgram.createSocket("udp4");
  const udpRequests: string[] = [];
  udp.on("message", (m, rinfo) => {
    udpRequests.push(String(m));
    udp.send(echoResponse(String(m), 200, "OK"), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(tcp.port, "127.0.0.1", () => r()));
  open.push({ close: () => new Promise<void>((r) => udp.close(() => r())) });
  return { port: tcp.port, tcp, udpRequests };
}

describe("a request larger than UDP allows (RFC 3261 §18.1.1)", () => {
  it("goes over TCP to the registrar's address when it is over 1300 bytes and we have a TCP socket", async () => {
    const reg = await dualRegistrar();
    const t = await SipTransport.open({
      listen: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"],
      clock: new VirtualClock(),
      timers: { t1Ms: 50, frTimeoutS: 2 },
    });
    open.push(t);
    const small = await t.send(register(`sip:127.0.0.1:${reg.port}`));
    expect(small.kind === "response" && small.proto).toBe("udp");
    const o = await t.send(large(`sip:127.0.0.1:${reg.port}`, 1400));
    expect(o.kind).toBe("response");
    if (o.kind !== "response") return;
    expect(o.response.status).toBe(200);
    expect(o.proto).toBe("tcp");
    expect(reg.tcp.requests[0]!.text).toMatch(/^Via: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=/m);
    expect(reg.udpRequests).toHaveLength(1);
  });

  it("fails visibly with a transport error saying why when it cannot fit a datagram and no TCP socket exists", async () => {
    const reg = await dualRegistrar();
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock: new VirtualClock() });
    open.push(t);
    const o = await t.send(large(`sip:127.0.0.1:${reg.port}`, 70_000));
    expect(o.kind).toBe("transport-error");
    if (o.kind !== "transport-error") return;
    expect(o.error.message).toMatch(/\d+ bytes.*(UDP datagram|EMSGSIZE)/);
    expect(o.error.message).toMatch(/no TCP socket/);
  });
});
