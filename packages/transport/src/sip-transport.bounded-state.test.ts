import dgram from "node:dgram";
import { once } from "node:events";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { TRANSPORT_COUNTER_NAMES } from "./transport-counters.js";

/** Real loopback sockets, virtual time: the transport's state must not grow with what a peer chooses to send. */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const request = (method: string, n: number) =>
  `${method} sip:alice@127.0.0.1 SIP/2.0\r\n` +
  `Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK${n};rport\r\n` +
  `From: <sip:x@reg.test>;tag=r${n}\r\nTo: <sip:alice@127.0.0.1>\r\n` +
  `Call-ID: flood-${n}\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

function flattenKeys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === "number" ? [prefix + k] : v && typeof v === "object" ? flattenKeys(v as object, `${prefix}${k}_`) : [],
  );
}

describe("counters keyed by what the network sends", () => {
  it("1,000 requests with distinct random method names leave the counter key set as after the first one", async () => {
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock: new VirtualClock() });
    open.push(t);
    const port = Number(t.sockets()[0]!.split(":").at(-1));
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
    const answers: string[] = [];
    s.on("message", (m) => answers.push(String(m)));
    const randomMethod = (i: number) =>
      `X${i}${Math.random().toString(36).slice(2).toUpperCase()}${"Q".repeat(200 + (i % 50))}`;
    s.send(request(randomMethod(0), 0), port, "127.0.0.1");
    while (answers.length < 1) await once(s, "message");
    const keysAfterOne = flattenKeys(t.counters).sort();
    for (let i = 1; i < 1000; i++) {
      s.send(request(randomMethod(i), i), port, "127.0.0.1");
      if (i % 50 === 0) while (answers.length < i) await once(s, "message");
    }
    while (answers.length < 1000) await once(s, "message");
    expect(answers.every((a) => a.startsWith("SIP/2.0 501 "))).toBe(true);
    expect(flattenKeys(t.counters).sort()).toEqual(keysAfterOne);
    expect(t.counters.requestsReceived).toEqual({ other: 1000 });
    expect(t.counters.responsesSent).toEqual({ "5xx": 1000 });
    for (const key of keysAfterOne) expect(TRANSPORT_COUNTER_NAMES).toContain(key);
  });
});
