// A few smoke tests of the engine wired as the daemon wires it: the real SipTransport as its RequestSender, a UDP
// registrar on loopback, the system clock. Everything else runs on virtual time (see the other test files).
import { afterEach, describe, expect, it } from "vitest";
import { type LoopbackHarness, openLoopback } from "../src/test-support/loopback-harness.js";
import { row } from "../src/test-support/registrant-rows.js";

let h: LoopbackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const keyOf = (h: LoopbackHarness, user: string) => ({
  aor: `sip:${user}@reg.test`,
  contact: `sip:${user}@127.0.0.1:5099`,
  registrar: h.registrar.uri,
});

describe("over UDP loopback with the real transport", () => {
  it("registers with a digest challenge; the view shows the transport's socket and the pin", async () => {
    h = await openLoopback((r) => [row(r, "alice", { state: 1 })]);
    expect(h.engine.enable(keyOf(h, "alice"))).toBe(true);
    await h.nextEvent((e) => e.to === "REGISTERED_STATE");
    const [first, second] = h.registrar.received;
    expect(first?.authorization).toBeUndefined();
    expect(second?.authorized).toBe(true);
    expect(second?.callId).toBe(first?.callId);
    const view = h.engine.get(keyOf(h, "alice"));
    expect(view?.socket).toBe(h.transport.sockets()[0]);
    expect(view?.pinned).toEqual({ family: "IPv4", address: "127.0.0.1", port: h.registrar.port });
    expect(h.engine.counters().repliesReceived).toBe(2);
  });

  it("disable sends the unREGISTER to the pinned registrar and the binding is gone", async () => {
    h = await openLoopback((r) => [row(r, "alice", { state: 1 })]);
    h.engine.enable(keyOf(h, "alice"));
    await h.nextEvent((e) => e.to === "REGISTERED_STATE");
    const from = h.events.length;
    h.engine.disable(keyOf(h, "alice"));
    await h.nextEvent((e) => e.to === "NOT_REGISTERED_STATE", from);
    expect(h.registrar.received.at(-1)?.expires).toBe(0);
    expect(h.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
  });

  it("shutdown with unregister waits for the unREGISTERs over the wire", async () => {
    h = await openLoopback((r) => [row(r, "alice", { state: 1 }), row(r, "bob", { state: 1 })]);
    h.engine.enable(keyOf(h, "alice"));
    h.engine.enable(keyOf(h, "bob"));
    await h.nextEvent((e) => e.key.aor === "sip:alice@reg.test" && e.to === "REGISTERED_STATE");
    await h.nextEvent((e) => e.key.aor === "sip:bob@reg.test" && e.to === "REGISTERED_STATE");
    await h.engine.stop({ unregister: true, timeoutMs: 3000 });
    expect(h.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    expect(h.registrar.bindings.get("sip:bob@reg.test")?.size).toBe(0);
    expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(2);
  });
});
