import dgram from "node:dgram";
import { VirtualClock } from "@uacreg/runtime/testing";
import type { Logger } from "@uacreg/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { streamPeer } from "./test-support/stream-peer.js";
import { echoResponse, register, udpPeer } from "./test-support/udp-peer.js";

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

/** A registrar listening on UDP only (nothing on TCP at that port: a connect gets a reset); it answers 200. */
async function udpOnlyRegistrar() {
  const peer = await udpPeer((text, reply) => reply(echoResponse(text, 200, "OK")));
  open.push(peer);
  return peer;
}

/** A logger keeping its warning lines. */
function warningLog(): { logger: Logger; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const none = () => {};
  const logger: Logger = {
    debug: none,
    info: none,
    warn: (fields) => warnings.push({ ...fields }),
    error: none,
  };
  return { logger, warnings };
}

describe("a large request to a registrar that refuses TCP goes over UDP (RFC 3261 §18.1.1 retry)", () => {
  it("sends a 1500-byte REGISTER over UDP after the TCP connect is refused, and the outcome is the response", async () => {
    const reg = await udpOnlyRegistrar();
    const { logger, warnings } = warningLog();
    const t = await SipTransport.open({
      listen: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"],
      clock: new VirtualClock(),
      timers: { t1Ms: 50, frTimeoutS: 2 },
      logger,
    });
    open.push(t);
    const req = large(`sip:127.0.0.1:${reg.port}`, 1500);
    const o = await t.send(req);
    expect(o.kind).toBe("response");
    if (o.kind !== "response") return;
    expect(o.response.status).toBe(200);
    expect(o.proto).toBe("udp");
    expect(reg.received).toHaveLength(1);
    const got = reg.received[0]!.text;
    expect(Buffer.byteLength(got)).toBeGreaterThan(1500);
    expect(got).toMatch(/^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=/m);
    expect(got).toContain(`Call-ID: ${req.callId}`);
    const c = t.counters;
    expect(c.largeUdpRequests).toBe(1);
    expect(c.udpFallbacks).toBe(1);
    expect(c.failovers).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ target: `127.0.0.1:${reg.port}` });
    expect(String(warnings[0]!.why)).toMatch(/refused the TCP connection/);

    // The next large request does the same; the warning is not repeated (counted instead).
    const again = await t.send(large(`sip:127.0.0.1:${reg.port}`, 1500));
    expect(again.kind === "response" && again.response.status).toBe(200);
    expect(t.counters.udpFallbacks).toBe(2);
    expect(warnings).toHaveLength(1);
  });

  it("fails with the reason when the request refused over TCP cannot fit a UDP datagram", async () => {
    const reg = await udpOnlyRegistrar();
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"], clock: new VirtualClock() });
    open.push(t);
    const o = await t.send(large(`sip:127.0.0.1:${reg.port}`, 70_000));
    expect(o.kind).toBe("transport-error");
    if (o.kind !== "transport-error") return;
    expect(o.error.message).toMatch(/request of \d+ bytes does not fit in a UDP datagram \(at most 65507\)/);
    expect(o.error.message).toMatch(/TCP connection was refused.*ECONNREFUSED/);
    expect(reg.received).toHaveLength(0);
    expect(t.counters.largeUdpRequests).toBe(0);
  });

  it("counts and warns when a request over 1300 bytes goes over UDP because there is no TCP socket", async () => {
    const reg = await udpOnlyRegistrar();
    const { logger, warnings } = warningLog();
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock: new VirtualClock(), logger });
    open.push(t);
    const o = await t.send(large(`sip:127.0.0.1:${reg.port}`, 1500));
    expect(o.kind === "response" && o.proto).toBe("udp");
    expect(t.counters.largeUdpRequests).toBe(1);
    expect(t.counters.udpFallbacks).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.why)).toMatch(/no TCP socket/);
  });
});

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
