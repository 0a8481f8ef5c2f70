import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "./sip-transport.js";
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

describe("SipTransport on a virtual clock", () => {
  it("retransmits at T1, 2·T1, 4·T1… and times out at fr_timeout, from one timer on the clock", async () => {
    const clock = new VirtualClock();
    const reg: UdpPeer = await udpPeer();
    open.push(reg);
    const t = await transport(clock, "udp:127.0.0.1:0");
    let outcome: TransactionOutcome | undefined;
    void t.send(register(`sip:127.0.0.1:${reg.port}`)).then((o) => {
      outcome = o;
    });
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
    expect(outcome).toEqual({ kind: "timeout", local: t.sockets()[0], proto: "udp" });
    expect(t.counters.timeouts).toBe(1);
    expect(clock.pendingTimers).toBe(0);
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
