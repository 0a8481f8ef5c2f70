import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
import { streamPeer } from "./test-support/stream-peer.js";
import { echoResponse, register, udpPeer } from "./test-support/udp-peer.js";
import type { TransactionOutcome } from "./transaction-outcome.js";

/**
 * The send guard (docs/cluster.md §6) over real loopback sockets on a virtual clock: the transport asks it right
 * before every write; a refusal writes nothing and ends the send as `fenced`. "Nothing reached the peer" is shown by
 * a marker request sent afterwards from the same socket: loopback keeps the order, so once the marker is in, a copy
 * sent before it would be in too.
 */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe("the send guard (docs/cluster.md §6)", () => {
  it("UDP: a guard that turns false after the first send stops the Timer E retransmission; the send ends fenced", async () => {
    const clock = new VirtualClock();
    const peer = await udpPeer(); // never answers
    open.push(peer);
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock });
    open.push(t);
    let owned = true;
    let asked = 0;
    const guard = () => {
      asked++;
      return owned;
    };
    let outcome: TransactionOutcome | undefined;
    void t.send({ ...register(`sip:127.0.0.1:${peer.port}`, { callId: "fenced-udp" }), guard }).then((o) => {
      outcome = o;
    });
    await peer.waitFor(1);
    expect(asked).toBe(1);
    owned = false; // the unit is lost between the first send and Timer E
    await clock.advance(500);
    await settle();
    expect(asked).toBe(2);
    expect(outcome).toEqual({ kind: "fenced", local: t.sockets()[0], proto: "udp", retransmissions: 1 });
    expect(t.counters.sendsSuppressed).toBe(1);
    expect(t.counters.timeouts).toBe(0);
    await clock.advance(40_000); // past Timer F: the transaction is gone, it neither times out nor writes again
    await settle();
    expect(t.counters.timeouts).toBe(0);
    expect(asked).toBe(2);
    // Nothing after the first copy: the marker is the second datagram the peer ever saw.
    void t.send(register(`sip:127.0.0.1:${peer.port}`, { callId: "marker" }));
    await peer.waitFor(2);
    expect(peer.received.map((r) => /^Call-ID: *(.*)$/im.exec(r.text)?.[1])).toEqual(["fenced-udp", "marker"]);
  });

  it("UDP: a refused first write sends nothing and tries no other target", async () => {
    const clock = new VirtualClock();
    const peer = await udpPeer((text, reply) => reply(echoResponse(text, 200, "OK")));
    open.push(peer);
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock });
    open.push(t);
    const req = register(`sip:127.0.0.1:${peer.port}`, { callId: "never" });
    const outcome = await t.send({ ...req, guard: () => false });
    expect(outcome).toMatchObject({ kind: "fenced", retransmissions: 0 });
    expect(t.counters.failovers).toBe(0);
    expect(await t.send(register(`sip:127.0.0.1:${peer.port}`, { callId: "marker" }))).toMatchObject({
      kind: "response",
    });
    expect(peer.received.map((r) => /^Call-ID: *(.*)$/im.exec(r.text)?.[1])).toEqual(["marker"]);
  });

  it("TCP: a refused guard writes nothing on the connection; a guard that throws counts as a refusal", async () => {
    const clock = new VirtualClock();
    const peer = await streamPeer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
    open.push(peer);
    const t = await SipTransport.open({ listen: ["tcp:127.0.0.1:0"], clock });
    open.push(t);
    const hop = `sip:127.0.0.1:${peer.port};transport=tcp`;
    expect(await t.send({ ...register(hop, { callId: "refused" }), guard: () => false })).toMatchObject({
      kind: "fenced",
      proto: "tcp",
    });
    const throwing = () => {
      throw new Error("ownership unknown");
    };
    expect(await t.send({ ...register(hop, { callId: "throws" }), guard: throwing })).toMatchObject({
      kind: "fenced",
    });
    expect(await t.send({ ...register(hop, { callId: "allowed" }), guard: () => true })).toMatchObject({
      kind: "response",
    });
    expect(peer.requests.map((r) => /^Call-ID: *(.*)$/im.exec(r.text)?.[1])).toEqual(["allowed"]);
    expect(t.counters.sendsSuppressed).toBe(2);
  });
});
