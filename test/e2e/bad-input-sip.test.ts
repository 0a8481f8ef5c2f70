/**
 * Garbage and truncated SIP sent to the daemon's SIP sockets (UDP and TCP): the daemon keeps running, the registered
 * record stays REGISTERED and can still refresh, and an OPTIONS still gets 200.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { rawHeader, rawStatus, UdpSipPeer } from "../support/udp-sip-peer.js";
import { registrantRow, startUacregd, stopAllUacregd } from "../support/uacregd.js";

let registrar: DemoRegistrar | undefined;
let peer: UdpSipPeer | undefined;
afterAll(async () => {
  await stopAllUacregd();
  await registrar?.close();
  await peer?.close();
});

const CRLF = "\r\n";

function options(port: number, peerPort: number, n: number): string {
  return [
    `OPTIONS sip:uacreg@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK-opt-${n}`,
    "Max-Forwards: 70",
    "From: <sip:registrar@reg.test>;tag=ping1",
    "To: <sip:alice@127.0.0.1:5099>",
    `Call-ID: options-${n}@bad-input`,
    `CSeq: ${n} OPTIONS`,
    "Content-Length: 0",
    "",
    "",
  ].join(CRLF);
}

/** A well-formed 200 OK to REGISTER that matches no transaction of the daemon. */
function strayOk(port: number): string {
  return [
    "SIP/2.0 200 OK",
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-nobody;rport`,
    "From: <sip:alice@reg.test>;tag=zz",
    "To: <sip:alice@reg.test>;tag=yy",
    "Call-ID: stray@bad-input",
    "CSeq: 7 REGISTER",
    "Contact: <sip:alice@127.0.0.1:5099>;expires=0",
    "Content-Length: 0",
    "",
    "",
  ].join(CRLF);
}

function garbage(port: number, peerPort: number): Array<string | Buffer> {
  const opt = options(port, peerPort, 99);
  const ok = strayOk(port);
  return [
    Buffer.alloc(0),
    CRLF + CRLF,
    "\r\n",
    randomBytes(1400),
    Buffer.from([0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28, 0xa0, 0xa1]),
    "SIP/2.0 200 OK\r\n",
    "SIP/2.0 abc Nope\r\nVia: x\r\n\r\n",
    "SIP/2.0 999 Weird\r\n\r\n",
    ok.slice(0, 40),
    ok.slice(0, ok.indexOf("CSeq")),
    ok.replace("CSeq: 7 REGISTER", "CSeq: 99999999999999999999999 REGISTER"),
    ok.replace("Content-Length: 0", "Content-Length: 5000"),
    ok.replace(/Via: [^\r]*/, "Via: \u0000\u0001garbage"),
    ok.replace(/Via: [^\r]*\r\n/, ""),
    ok,
    opt.slice(0, 30),
    opt.slice(0, opt.length - 4),
    opt.replace("Content-Length: 0", "Content-Length: -3"),
    opt.replace(/CSeq: [^\r]*/, "CSeq: OPTIONS"),
    opt.replace(/Call-ID: [^\r]*\r\n/, ""),
    opt.replace("OPTIONS sip:", "OPTIONS <sip:").replace(" SIP/2.0\r\n", "> SIP/2.0\r\n"),
    "REGISTER sip:x SIP/2.0\r\n",
    "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK1\r\n",
    `${"X".repeat(60_000)}\r\n\r\n`,
    `OPTIONS sip:x SIP/2.0\r\n${"Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\n".repeat(800)}\r\n`,
    "\u00e9\u00e8 OPTIONS sip:x SIP/2.0\r\n\r\n",
  ];
}

describe("garbage on the SIP sockets", () => {
  it("changes nothing: the process runs, the record stays REGISTERED and refreshes, OPTIONS gets 200", async () => {
    registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
    const REG = `sip:127.0.0.1:${registrar.port}`;
    // UDP and TCP on one port, a fresh one on each attempt (a port in the ephemeral range can be taken meanwhile).
    const d = await startUacregd({
      rows: [registrantRow({ registrar: REG, state: 1 })],
      listen: (p) => [`udp:127.0.0.1:${p}`, `tcp:127.0.0.1:${p}`],
    });
    const port = d.sipPort;
    const key = ["sip:alice@reg.test", "sip:alice@127.0.0.1:5099", REG];
    expect(await d.mi("reg_enable", key)).toBe("OK");
    const [before] = await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 10_000);
    const bindingBefore = registrar.bindings("sip:alice@reg.test")[0]!;

    peer = await UdpSipPeer.open();
    // OPTIONS answered before the garbage...
    const first = await peer.request(options(port, peer.port, 1), port);
    expect(rawStatus(first)).toBe(200);

    // ...then every kind of garbage over UDP, twice...
    const raw = createSocket("udp4");
    for (let round = 0; round < 2; round++) {
      for (const g of garbage(port, peer.port)) {
        await new Promise<void>((resolve) => raw.send(g, port, "127.0.0.1", () => resolve()));
      }
    }
    // ...and a flood: 20,000 datagrams of garbage and half-messages as fast as the socket takes them.
    const flood = garbage(port, peer.port);
    let sent = 0;
    while (sent < 20_000) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < 500; i++, sent++) {
        const g = flood[sent % flood.length]!;
        batch.push(new Promise<void>((resolve) => raw.send(g, port, "127.0.0.1", () => resolve())));
      }
      await Promise.all(batch);
    }
    raw.close();
    // ...and over TCP: garbage, a truncated message, a huge Content-Length, each on a connection that then closes.
    for (const g of [
      randomBytes(3000),
      options(port, peer.port, 5).slice(0, 50),
      options(port, peer.port, 6).replace("Content-Length: 0", "Content-Length: 99999999"),
      `${"Y".repeat(200_000)}`,
      "\r\n\r\n\r\n",
    ]) {
      await new Promise<void>((resolve) => {
        const s = connect(port, "127.0.0.1", () => s.end(g));
        s.on("error", () => resolve());
        s.on("close", () => resolve());
        s.setTimeout(2000, () => s.destroy());
      });
    }
    // Drain whatever the daemon answered to the garbage (e.g. 400s), then ask again.
    while ((await peer.next(300)) !== undefined) {
      // discard
    }
    const again = await peer.request(options(port, peer.port, 2), port);
    expect(rawStatus(again)).toBe(200);
    expect(rawHeader(again!, "Call-ID")).toBe("options-2@bad-input");
    expect(rawHeader(again!, "Via")).toContain("branch=z9hG4bK-opt-2");
    expect(rawHeader(again!, "CSeq")).toBe("2 OPTIONS");

    // OPTIONS over TCP on a fresh connection is answered too.
    const tcpReply = await new Promise<string>((resolve) => {
      let got = "";
      const s = connect(port, "127.0.0.1", () =>
        s.write(options(port, peer!.port, 3).replace("SIP/2.0/UDP", "SIP/2.0/TCP")),
      );
      s.on("data", (c: Buffer) => {
        got += c.toString("latin1");
        if (got.includes("\r\n\r\n")) s.end();
      });
      s.on("close", () => resolve(got));
      s.on("error", () => resolve(got));
      s.setTimeout(3000, () => s.destroy());
    });
    expect(rawStatus(tcpReply)).toBe(200);
    expect(rawHeader(tcpReply, "Call-ID")).toBe("options-3@bad-input");

    expect(d.process.exitCode).toBeNull();
    const [now] = await d.list();
    expect(now).toEqual(before);
    // The stray 200 (expires=0 for our contact) matched no transaction: the registrar still holds the binding.
    expect(registrar.bindings("sip:alice@reg.test")[0]?.callId).toBe(bindingBefore.callId);

    // The transaction layer still works: a forced refresh goes out and is answered.
    expect(await d.mi("reg_force_register", key)).toBe("OK");
    const deadline = Date.now() + 16_000;
    while ((registrar.bindings("sip:alice@reg.test")[0]?.cseq ?? 0) <= bindingBefore.cseq && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(registrar.bindings("sip:alice@reg.test")[0]?.cseq).toBeGreaterThan(bindingBefore.cseq);
    await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 5000);
    expect(d.logs().filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
