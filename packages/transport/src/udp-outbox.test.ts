import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { echoResponse, register, type UdpPeer, udpPeer } from "./test-support/udp-peer.js";
import { Fifo } from "./udp-outbox.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe("Fifo (the outbox and the per-socket queue of sends awaiting their callback)", () => {
  it("gives items back in order across wrap-around and growth", () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head walks around the ring many times, then grow past 16 while wrapped.
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 7; k++) q.push(next++);
      for (let k = 0; k < 5; k++) out.push(q.shift()!);
    }
    for (let k = 0; k < 40; k++) q.push(next++);
    while (q.size > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
  });
});

describe("a failed UDP send among successful ones (one send callback per socket)", () => {
  it("ends exactly the transaction whose datagram failed, with a transport error; the others get their responses", async () => {
    const reg: UdpPeer = await udpPeer((text, reply) => reply(echoResponse(text, 200, "OK")));
    open.push(reg);
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock: new VirtualClock() });
    open.push(t);
    const live = (n: number) => t.send(register(`sip:127.0.0.1:${reg.port}`, { cseq: n }));
    // A socket bound to 127.0.0.1 may not send to the broadcast address: node:dgram reports EACCES to the callback.
    const broadcast = () =>
      t.send({
        ...register("sip:255.255.255.255"),
        destination: { proto: "udp", address: "255.255.255.255", port: 5060 },
      });
    // All sent in the same turn, so the failed one sits between two good ones in the callback queue.
    const outcomes = await Promise.all([live(1), broadcast(), live(2), broadcast(), live(3)]);
    expect(outcomes.map((o) => o.kind)).toEqual([
      "response",
      "transport-error",
      "response",
      "transport-error",
      "response",
    ]);
    for (const o of [outcomes[1]!, outcomes[3]!]) {
      if (o.kind !== "transport-error") throw new Error("expected a transport error");
      expect(o.error.message).toMatch(/^send to 255\.255\.255\.255:5060 failed: /);
      expect(o.retransmissions).toBe(0);
    }
    expect(t.counters.transportErrors).toBe(2);
    expect(t.counters.inFlight).toBe(0);
  });
});
