import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { askOnce, echoResponse, headerLines, register, type UdpPeer, udpPeer } from "./test-support/udp-peer.js";

/** Real loopback sockets on a VirtualClock: the checks RFC 3261 asks of a transport on what it receives. */
const FAST = { t1Ms: 50, t2Ms: 400, frTimeoutS: 1 };
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
async function transport(clock = new VirtualClock()) {
  const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], timers: FAST, clock });
  open.push(t);
  return t;
}
async function peer(...args: Parameters<typeof udpPeer>): Promise<UdpPeer> {
  const p = await udpPeer(...args);
  open.push(p);
  return p;
}
const portOf = (t: SipTransport) => Number(t.sockets()[0]!.split(":").at(-1));
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "../../sip/src/fixtures/rfc4475", `${name}.sip`), "latin1");

const ask = (t: SipTransport, text: string): Promise<string> => askOnce(portOf(t), text);

describe("requests the transport must refuse (RFC 4475)", () => {
  it("badvers: an OPTIONS with SIP/7.0 gets 505 Version Not Supported", async () => {
    const t = await transport();
    const r = await ask(t, fixture("badvers"));
    expect(r.split("\r\n")[0]).toBe("SIP/2.0 505 Version Not Supported");
    expect(r).toContain("Call-ID: badvers.31417@c.example.com\r\n");
    expect(t.counters.responsesSent).toEqual({ "5xx": 1 });
  });

  it("mismatch01: an OPTIONS whose CSeq says INVITE gets 400", async () => {
    const t = await transport();
    const r = await ask(t, fixture("mismatch01"));
    expect(r.split("\r\n")[0]).toMatch(/^SIP\/2\.0 400 /);
    expect(r).toContain("CSeq: 8 INVITE\r\n");
  });
});

describe("responses whose top Via sent-by is not ours (RFC 3261 §18.1.2)", () => {
  it("are dropped and counted; the transaction times out", async () => {
    const reg = await peer((text, reply) => {
      const via = headerLines(text, "Via")[0]!;
      const foreign = via.replace(/^SIP\/2\.0\/UDP [^;]+/, "SIP/2.0/UDP 192.0.2.99:5999");
      reply(echoResponse(text, 200, "OK").replace(`Via: ${via}`, `Via: ${foreign}`));
    });
    const clock = new VirtualClock();
    const t = await transport(clock);
    const sent = t.send(register(`sip:127.0.0.1:${reg.port}`));
    while (reg.received.length < 1) await once(reg.socket, "message");
    // a marker: our own OPTIONS answer comes back after the foreign response was handled
    await ask(
      t,
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKm\r\nFrom: <sip:m@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: m\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(t.counters.foreignSentBy).toBe(1);
    await clock.runUntil(() => false, 2000);
    const o = await sent;
    expect(o.kind).toBe("timeout");
    expect(t.counters.responsesReceived).toEqual({});
  });
});

describe("tags of stateless answers", () => {
  it("reveal nothing of the branch generator: no part of our branches' random prefix, same tag for a retransmission", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport();
    await t.send(register(`sip:127.0.0.1:${reg.port}`));
    const branch = /branch=z9hG4bK([0-9a-f]+)\./.exec(reg.received[0]!.text)![1]!;
    const options = (callId: string) =>
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${callId}\r\nFrom: <sip:m@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const tagOf = (r: string) => /\r\nTo: <sip:a@x>;tag=([^\r]+)\r\n/.exec(r)![1]!;
    const a = tagOf(await ask(t, options("one")));
    const again = tagOf(await ask(t, options("one")));
    const b = tagOf(await ask(t, options("two")));
    expect(again).toBe(a);
    expect(b).not.toBe(a);
    for (const tag of [a, b]) {
      for (let i = 0; i + 6 <= branch.length; i++) expect(tag).not.toContain(branch.slice(i, i + 6));
    }
  });
});
