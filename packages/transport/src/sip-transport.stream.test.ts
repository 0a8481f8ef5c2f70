import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StaticResolver } from "./rfc3263-resolver.js";
import { SipTransport } from "./sip-transport.js";
import type { TransactionOutcome } from "./transaction-outcome.js";
import { TransportError } from "./transport-error.js";
import { type StreamPeer, streamPeer } from "./test-support/stream-peer.js";
import { answersBeforeMarker, echoResponse, register } from "./test-support/udp-peer.js";

/**
 * Real loopback connections, virtual time: every transport runs on a {@link VirtualClock} (a fresh one unless the
 * test passes its own to step), so Timer F and the idle close happen only when a test moves the clock.
 */
const FAST = { t1Ms: 50, frTimeoutS: 2 };
const open: Array<{ close(): Promise<void> }> = [];
async function transport(opts: Partial<Parameters<typeof SipTransport.open>[0]> = {}) {
  const t = await SipTransport.open({ listen: ["tcp:127.0.0.1:0"], timers: FAST, clock: new VirtualClock(), ...opts });
  open.push(t);
  return t;
}
async function peer(...args: Parameters<typeof streamPeer>): Promise<StreamPeer> {
  const p = await streamPeer(...args);
  open.push(p);
  return p;
}
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
const status = (o: TransactionOutcome) => (o.kind === "response" ? o.response.status : o.kind);

describe("TCP", () => {
  it("frames a response split across chunks and reuses one connection per peer", async () => {
    // Between two chunks the peer makes a UDP round trip to the same transport (a marker OPTIONS): the chunk was in
    // the transport's receive buffer before the marker, so the transport has read it alone by the time it answers.
    const marker = dgram.createSocket("udp4");
    await new Promise<void>((r) => marker.bind(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => marker.close(() => r())) });
    let udpPort = 0;
    const reg = await peer((text, socket) => {
      const bytes = Buffer.from(echoResponse(text, 200, "OK"));
      void (async () => {
        socket.write(bytes.subarray(0, 10));
        await answersBeforeMarker(marker, udpPort);
        socket.write(bytes.subarray(10, 40));
        await answersBeforeMarker(marker, udpPort);
        socket.write(bytes.subarray(40));
      })();
    });
    const t = await transport({ listen: ["tcp:127.0.0.1:0", "udp:127.0.0.1:0"] });
    udpPort = Number(t.sockets()[1]!.split(":").at(-1));
    const uri = `sip:127.0.0.1:${reg.port};transport=tcp`;
    const o = await t.send(register(uri));
    expect(status(o)).toBe(200);
    expect(reg.requests[0]!.text).toMatch(/^Via: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK[^;]+;rport\r$/m);
    expect(status(await t.send(register(uri)))).toBe(200);
    expect(reg.connections.length).toBe(1);
    expect(t.counters.openConnections).toBe(1);
    expect(t.counters.retransmissions).toBe(0);
    expect(t.counters.requestsReceived).toEqual({ OPTIONS: 4 }); // the markers, two per split response
  });

  it("takes two responses arriving in one chunk", async () => {
    const reg = await peer((_text, socket, i) => {
      if (i === 1) {
        const [a, b] = reg.requests;
        socket.write(echoResponse(b!.text, 200, "OK") + echoResponse(a!.text, 401, "Unauthorized"));
      }
    });
    const t = await transport();
    const uri = `sip:127.0.0.1:${reg.port};transport=tcp`;
    const [x, y] = await Promise.all([t.send(register(uri)), t.send(register(uri))]);
    expect([status(x), status(y)]).toEqual([401, 200]);
  });

  it("fails the transaction at once when the peer closes the connection mid-transaction", async () => {
    // The peer closes the first connection once the request is in; the clock never moves, so the outcome cannot come
    // from Timer F: it comes from the closed connection.
    const reg = await peer((_text, socket, i) => {
      if (i === 0) socket.destroy();
    });
    const clock = new VirtualClock();
    const t = await transport({ clock, timers: { t1Ms: 500, frTimeoutS: 30 } });
    const o = await t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    expect(o.kind).toBe("transport-error");
    if (o.kind === "transport-error") expect(o.error.message).toMatch(/closed/);
    expect(clock.now()).toBe(0);
    expect(t.counters.transportErrors).toBe(1);
    // the next request opens a new connection
    const again = t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    await reg.waitFor(2);
    reg.requests[1]!.socket.write(echoResponse(reg.requests[1]!.text, 200, "OK"));
    expect(status(await again)).toBe(200);
    expect(reg.connections.length).toBe(2);
  });

  it("fails over from a refused TCP target to the next one", async () => {
    const live = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const resolver = new StaticResolver({
      srv: {
        "_sip._tcp.pool.test": [
          { priority: 1, weight: 0, port: deadPort, name: "one.pool.test" },
          { priority: 2, weight: 0, port: live.port, name: "one.pool.test" },
        ],
      },
      a: { "one.pool.test": ["127.0.0.1"] },
    });
    const t = await transport({ resolver });
    const o = await t.send(register("sip:pool.test;transport=tcp"));
    expect(status(o)).toBe(200);
    expect(t.counters.failovers).toBe(1);
  });

  it("works over IPv6 on ::1", async () => {
    const reg = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")), { host: "::1" });
    const t = await transport({ listen: ["tcp:[::1]:0"] });
    expect(status(await t.send(register(`sip:[::1]:${reg.port};transport=tcp`)))).toBe(200);
    expect(reg.requests[0]!.text).toMatch(/^Via: SIP\/2\.0\/TCP \[::1\]:\d+;branch=/m);
  });

  it("closes a connection that stays idle", async () => {
    const reg = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
    const clock = new VirtualClock();
    const t = await transport({ clock, idleTimeoutMs: 100 });
    await t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    expect(t.counters.openConnections).toBe(1);
    const closedAtPeer = once(reg.connections[0]!, "close");
    await clock.advance(99);
    expect(t.counters.openConnections).toBe(1);
    await clock.advance(1);
    // The transport closes its end at the deadline; the peer sees the close after the transport has counted it.
    await closedAtPeer;
    expect(t.counters.openConnections).toBe(0);
  });

  it("answers OPTIONS arriving on an accepted connection, on that connection", async () => {
    const t = await transport();
    const port = Number(t.sockets()[0]!.split(":").at(-1));
    const s = net.connect(port, "127.0.0.1");
    const got = new Promise<string>((resolve) => {
      let buf = "";
      s.on("data", (c) => {
        buf += c.toString();
        if (buf.includes("\r\n\r\n")) resolve(buf);
      });
    });
    s.write(
      "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKp\r\n" +
        "From: <sip:r@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    );
    expect(await got).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    s.destroy();
  });
});

describe("TLS", () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "uacreg-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-days",
        "1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"));
    key = readFileSync(join(dir, "key.pem"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=registrar.test",
        "-addext",
        "subjectAltName=DNS:registrar.test",
        "-days",
        "1",
        "-keyout",
        join(dir, "named-key.pem"),
        "-out",
        join(dir, "named-cert.pem"),
      ],
      { stdio: "ignore" },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sends over TLS when the peer's certificate is trusted through the socket's CA file", async () => {
    const reg = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")), { tls: { cert, key } });
    const spec = "tls:127.0.0.1:0";
    const t = await transport({
      listen: [spec],
      tls: { [spec]: { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "cert.pem") } },
    });
    const o = await t.send(register(`sips:127.0.0.1:${reg.port}`));
    expect(status(o)).toBe(200);
    expect(reg.requests[0]!.text).toMatch(/^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:\d+;/m);
    if (o.kind === "response") expect(o.remote.proto).toBe("tls");
  });

  it("gives up a TLS connection whose peer accepts TCP and never answers the handshake, at connectTimeoutMs", async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => {
      accepted.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    open.push({
      close: () =>
        new Promise<void>((r) => {
          for (const s of accepted) s.destroy();
          silent.close(() => r());
        }),
    });
    const clock = new VirtualClock();
    const spec = "tls:127.0.0.1:0";
    const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "cert.pem") };
    // Timer F 30 s; the connect deadline is the default (10 s), so the send fails well before Timer F.
    const t = await transport({ listen: [spec], tls: { [spec]: files }, clock, timers: { frTimeoutS: 30 } });
    let outcome: TransactionOutcome | undefined;
    void t.send(register(`sips:127.0.0.1:${(silent.address() as net.AddressInfo).port}`)).then((o) => {
      outcome = o;
    });
    while (accepted.length === 0) await once(silent, "connection");
    await clock.advance(9_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    while (outcome === undefined) await settle();
    expect(outcome).toMatchObject({ kind: "transport-error", proto: "tls", retransmissions: 0 });
    const error = outcome.kind === "transport-error" ? outcome.error : undefined;
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: "connect-failed" });
    expect(error?.message).toMatch(/TCP connect or TLS handshake not done within 10000 ms \(the peer stalled\)/);
    expect(t.counters.connectTimeouts).toBe(1);
    expect(clock.now()).toBe(10_000);
  });

  it("refuses an untrusted certificate by default, and accepts it with rejectUnauthorized false", async () => {
    const reg = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")), { tls: { cert, key } });
    const spec = "tls:127.0.0.1:0";
    const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    const strict = await transport({ listen: [spec], tls: { [spec]: files } });
    const o = await strict.send(register(`sips:127.0.0.1:${reg.port}`));
    expect(o.kind).toBe("transport-error");
    if (o.kind === "transport-error") expect(o.error.message).toMatch(/self-signed|certificate/i);
    const lax = await transport({ listen: [spec], tls: { [spec]: { ...files, rejectUnauthorized: false } } });
    expect(status(await lax.send(register(`sips:127.0.0.1:${reg.port}`)))).toBe(200);
  });

  it("checks the certificate against the URI's domain, not the resolved address (RFC 5922)", async () => {
    const named = { cert: readFileSync(join(dir, "named-cert.pem")), key: readFileSync(join(dir, "named-key.pem")) };
    const reg = await peer((text, socket) => socket.write(echoResponse(text, 200, "OK")), { tls: named });
    const zone = (name: string) => ({
      srv: { [`_sips._tcp.${name}`]: [{ priority: 1, weight: 0, port: reg.port, name: "host.test" }] },
      a: { "host.test": ["127.0.0.1"] },
    });
    const spec = "tls:127.0.0.1:0";
    const tlsOpts = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "named-cert.pem") };
    const good = await transport({
      listen: [spec],
      tls: { [spec]: tlsOpts },
      resolver: new StaticResolver(zone("registrar.test")),
    });
    expect(status(await good.send(register("sips:registrar.test")))).toBe(200);
    // a pinned destination (IP:port after a reply) is still checked against the domain
    const pinned = { proto: "tls" as const, address: "127.0.0.1", port: reg.port };
    const fresh = await transport({ listen: [spec], tls: { [spec]: tlsOpts }, resolver: new StaticResolver({}) });
    expect(status(await fresh.send({ ...register("sips:registrar.test"), destination: pinned }))).toBe(200);
    expect(reg.connections.length).toBe(2);
    const bad = await transport({
      listen: [spec],
      tls: { [spec]: tlsOpts },
      resolver: new StaticResolver(zone("other.test")),
    });
    const o = await bad.send(register("sips:other.test"));
    expect(o.kind).toBe("transport-error");
    if (o.kind === "transport-error") expect(o.error.message).toMatch(/other\.test/);
  });

  it("answers OPTIONS on the TLS listening socket", async () => {
    const spec = "tls:127.0.0.1:0";
    const t = await transport({
      listen: [spec],
      tls: { [spec]: { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") } },
    });
    const port = Number(t.sockets()[0]!.split(":").at(-1));
    const { connect } = await import("node:tls");
    const s = connect({ host: "127.0.0.1", port, ca: cert });
    const got = new Promise<string>((resolve) => {
      let buf = "";
      s.on("data", (c) => {
        buf += c.toString();
        if (buf.includes("\r\n\r\n")) resolve(buf);
      });
    });
    s.write(
      "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKp\r\n" +
        "From: <sip:r@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    );
    expect(await got).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    s.destroy();
  });
});
