import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { LATE_TIMER_MS, SipTransport } from "./sip-transport.js";
import { type StreamPeer, streamPeer } from "./test-support/stream-peer.js";
import { echoResponse, register, type UdpPeer, udpPeer } from "./test-support/udp-peer.js";
import type { TransactionOutcome } from "./transaction-outcome.js";

/**
 * The facade on a virtual clock over real loopback sockets: its one timer is armed on the injected clock, so the
 * test moves time to each deadline instead of sleeping through Timer E/F or the idle timeout.
 */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
async function transport(clock: VirtualClock, listen: string, extra: { idleTimeoutMs?: number } = {}) {
  const t = await SipTransport.open({ listen: [listen], clock, ...extra });
  open.push(t);
  return t;
}

/** Sends a REGISTER to the peer on `port`; the getter returns its outcome, undefined until the send ends. */
function watch(t: SipTransport, port: number): () => TransactionOutcome | undefined {
  let outcome: TransactionOutcome | undefined;
  void t.send(register(`sip:127.0.0.1:${port}`)).then((o) => {
    outcome = o;
  });
  return () => outcome;
}

describe("SipTransport on a virtual clock", () => {
  it("retransmits at T1, 2·T1, 4·T1… and times out at fr_timeout, from one timer on the clock", async () => {
    const clock = new VirtualClock();
    const reg: UdpPeer = await udpPeer();
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    const outcome = watch(t, reg.port);
    await reg.waitFor(1);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDeadline()).toBe(500);
    const sentAt: number[] = [];
    for (let n = 2; n <= 5; n++) {
      await clock.advance(clock.nextDeadline()! - clock.now());
      sentAt.push(clock.now());
      await reg.waitFor(n);
      expect(clock.pendingTimers).toBe(1);
    }
    expect(sentAt).toEqual([500, 1500, 3500, 7500]);
    await clock.advance(30_000 - clock.now());
    await settle();
    expect(outcome()).toEqual({ kind: "timeout", local: t.sockets()[0], proto: "udp", retransmissions: 9 });
    expect(t.counters.timeouts).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("reports how many copies were retransmitted before the reply: 1 when the first was dropped, else 0", async () => {
    const clock = new VirtualClock();
    // Drops the first copy of every request (by Call-ID), answers the next one.
    const seen = new Set<string>();
    const reg = await udpPeer((text, reply) => {
      const callId = /^Call-ID: *(.*)$/im.exec(text)?.[1] ?? "";
      if (seen.has(callId)) reply(echoResponse(text, 200, "OK"));
      seen.add(callId);
    });
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    const lossy = t.send(register(`sip:127.0.0.1:${reg.port}`, { callId: "lossy" }));
    await reg.waitFor(1);
    await clock.advance(500); // Timer E: the second copy, answered
    expect(await lossy).toMatchObject({ kind: "response", retransmissions: 1 });
    const answeredAtOnce = await udpPeer((text, reply) => reply(echoResponse(text, 200, "OK")));
    open.push(answeredAtOnce);
    expect(await t.send(register(`sip:127.0.0.1:${answeredAtOnce.port}`))).toMatchObject({
      kind: "response",
      retransmissions: 0,
    });
  });

  /** Lets the datagrams a peer's `send` queued (dgram sends after a tick) reach the kernel, without an I/O turn. */
  const afterTicks = () => new Promise<void>((r) => process.nextTick(r));

  it("after a hold past Timer F, an answer that arrived during the hold completes the transaction: no timeout, no copy", async () => {
    const clock = new VirtualClock();
    let answer: (() => void) | undefined;
    const reg = await udpPeer((text, reply) => {
      answer = () => reply(echoResponse(text, 200, "OK"));
    });
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    const outcome = watch(t, reg.port);
    await reg.waitFor(1);
    // The process is held (a blocking disk write, SIGSTOP) past Timer F; the answer reaches its socket meanwhile.
    clock.hold(31_000);
    answer?.();
    await afterTicks();
    clock.advanceSync(0); // the timer fires 30.5 s late, before the event loop has read the socket
    expect(outcome()).toBeUndefined();
    await settle();
    await settle();
    const o = outcome();
    expect(o).toMatchObject({ kind: "response", retransmissions: 0, local: t.sockets()[0], proto: "udp" });
    expect(o?.kind === "response" && o.response.status).toBe(200);
    expect(t.counters.timeouts).toBe(0);
    expect(t.counters.retransmissions).toBe(0);
    expect(reg.received).toHaveLength(1);
  });

  it("catches up over as many turns as the held answers need (libuv reads 32 a turn), then times out the rest", async () => {
    const clock = new VirtualClock();
    const answers: Array<() => void> = [];
    const reg = await udpPeer((text, reply) => {
      // Requests whose Call-ID ends in "silent" get no answer at all.
      if (!/silent/.test(text)) answers.push(() => reply(echoResponse(text, 200, "OK")));
    });
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    const outcomes: Array<Promise<TransactionOutcome>> = [];
    for (let i = 0; i < 100; i++) outcomes.push(t.send(register(`sip:127.0.0.1:${reg.port}`, { callId: `held${i}x` })));
    const silent = t.send(register(`sip:127.0.0.1:${reg.port}`, { callId: "one-silent" }));
    await reg.waitFor(101);
    clock.hold(31_000);
    for (const a of answers) a();
    await afterTicks();
    clock.advanceSync(0);
    const done = await Promise.all(outcomes);
    expect(done.filter((o) => o.kind === "response")).toHaveLength(100);
    expect(await silent).toMatchObject({ kind: "timeout", retransmissions: 0 });
    expect(t.counters.timeouts).toBe(1);
    expect(reg.received).toHaveLength(101);
  });

  it("a timer late by less than LATE_TIMER_MS runs at once: Timer E retransmits without an extra turn", async () => {
    const clock = new VirtualClock();
    const reg = await udpPeer();
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    void t.send(register(`sip:127.0.0.1:${reg.port}`));
    await reg.waitFor(1);
    clock.hold(500 + LATE_TIMER_MS - 1);
    clock.advanceSync(0);
    expect(t.counters.retransmissions).toBe(1);
    await reg.waitFor(2);
  });

  it("reports no retransmission over TCP, even when the reply takes longer than T1", async () => {
    const clock = new VirtualClock();
    let answer: (() => void) | undefined;
    const reg = await streamPeer((text, socket) => {
      answer = () => socket.write(echoResponse(text, 200, "OK"));
    });
    open.push(reg);
    const t = await transport(clock, "tcp:127.0.0.1:0");
    const sent = t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    await reg.waitFor(1);
    await clock.advance(5_000);
    answer?.();
    expect(await sent).toMatchObject({ kind: "response", proto: "tcp", retransmissions: 0 });
    expect(reg.requests).toHaveLength(1);
  });

  it("closes a TCP connection idle for idleTimeoutMs, on the clock", async () => {
    const clock = new VirtualClock();
    const reg: StreamPeer = await streamPeer((text, socket) => socket.write(echoResponse(text, 200, "OK")));
    open.push(reg);
    const t = await transport(clock, "tcp:127.0.0.1:0", { idleTimeoutMs: 60_000 });
    const o = await t.send(register(`sip:127.0.0.1:${reg.port};transport=tcp`));
    expect(o).toMatchObject({ kind: "response", proto: "tcp" });
    expect(t.counters.openConnections).toBe(1);
    await clock.advance(59_999);
    expect(t.counters.openConnections).toBe(1);
    await clock.advance(1);
    // The socket is destroyed at the deadline; its close event comes from the event loop.
    for (let i = 0; i < 20 && t.counters.openConnections > 0; i++) await settle();
    expect(t.counters.openConnections).toBe(0);
  });
});
