// The registration lifecycle on virtual time: the engine, an in-memory digest registrar behind the engine's
// RequestSender interface, and a VirtualClock that jumps from deadline to deadline. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, keyOf, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alice = (h: Harness) => keyOf(h.registrar, "alice");

describe("registration against a digest registrar", () => {
  it.each(["MD5", "SHA-256"] as const)(
    "registers with a %s challenge: 401, then authorized REGISTER, then 200",
    async (algorithm) => {
      h = await openHarness({ rows: (r) => [row(r, "alice")], registrar: { algorithm } });
      const ev = await h.waitEvent((e) => e.to === "REGISTERED_STATE");
      expect(ev.key.aor).toBe("sip:alice@reg.test");
      const [first, second] = h.registrar.received;
      expect(first?.authorization).toBeUndefined();
      expect(second?.authorization).toContain(`algorithm=${algorithm}`);
      expect(second?.authorized).toBe(true);
      expect(second?.callId).toBe(first?.callId);
      expect(second?.cseq).toBe((first?.cseq ?? 0) + 1);
      expect(first?.expires).toBe(60);
      expect(h.events.map((e) => e.to)).toEqual(["REGISTERING_STATE", "AUTHENTICATING_STATE", "REGISTERED_STATE"]);
      const view = h.engine.get(alice(h));
      expect(view?.stateName).toBe("REGISTERED_STATE");
      expect(view?.expires).toBe(60);
      expect(view?.socket).toBe(h.local);
      expect(view?.pinned).toEqual({ family: "IPv4", address: "127.0.0.1", port: h.registrar.port });
      expect(h.engine.stats().REGISTERED_STATE).toBe(1);
      expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(0);
      const c = h.engine.counters();
      expect(c.registerSent).toBe(2);
      expect(c.registered).toBe(1);
      expect(c.authenticatedSent).toBe(1);
      // The first request is resolved; the answer to the challenge goes to the pin, over the reply's protocol.
      expect(h.registrar.sent[0]?.destination).toBeUndefined();
      expect(h.registrar.sent[1]?.destination).toEqual({ proto: "udp", address: "127.0.0.1", port: h.registrar.port });
    },
  );
});

describe("refresh before expiry", () => {
  it("refreshes with the same Call-ID and CSeq+1, in one transaction with preemptive auth", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const before = h.registrar.received.length;
    const last = h.registrar.received[before - 1];
    // Granted 60 s, T = 10: RT = t + 50; the refresh goes out once now + T ≥ RT, i.e. 40 s after the 200.
    await h.advance(30);
    expect(h.registrar.received.length).toBe(before);
    const from = h.events.length;
    await h.advance(11);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE", from);
    const refresh = h.registrar.received.slice(before);
    expect(refresh).toHaveLength(1);
    expect(refresh[0]?.callId).toBe(last?.callId);
    expect(refresh[0]?.cseq).toBe((last?.cseq ?? 0) + 1);
    expect(refresh[0]?.authorized).toBe(true);
    expect(refresh[0]?.authorization).toContain("nc=00000002");
  });

  it("costs two transactions per refresh without preemptive auth (as OpenSIPS)", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")], params: { preemptiveAuth: false } });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const before = h.registrar.received.length;
    const from = h.events.length;
    await h.advance(45);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE", from);
    const refresh = h.registrar.received.slice(before);
    expect(refresh.map((r) => r.authorization === undefined)).toEqual([true, false]);
    expect(new Set(refresh.map((r) => r.callId)).size).toBe(1);
  });
});

describe("423 Interval Too Brief", () => {
  it("re-sends at once with Min-Expires, same Call-ID, and registers", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { username: null, password: null })],
      registrar: { challenge: false },
    });
    h.registrar.script = (r) =>
      r.expires !== undefined && r.expires < 600
        ? { status: 423, reason: "Interval Too Brief", headers: [["Min-Expires", "600"]] }
        : "default";
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const [first, second] = h.registrar.received;
    expect(first?.expires).toBe(60);
    expect(second?.expires).toBe(600);
    expect(second?.callId).toBe(first?.callId);
    expect(second?.cseq).toBe(2);
    expect(h.engine.get(alice(h))?.expires).toBe(600);
    // "At once": in the same instant of virtual time as the 423.
    expect(second?.at).toBe(first?.at);
  });
});

describe("wrong password", () => {
  it("goes to WRONG_CREDENTIALS_STATE and backs off", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice", { password: "not-the-secret" })] });
    const ev = await h.waitEvent((e) => e.to === "WRONG_CREDENTIALS_STATE");
    expect(ev.from).toBe("AUTHENTICATING_STATE");
    const view = h.engine.get(alice(h));
    expect(view?.stateName).toBe("WRONG_CREDENTIALS_STATE");
    // F = 0: retry after floor(E·P/100) − T = 50 s.
    expect(view?.registrationTimeout).toBeGreaterThanOrEqual(view?.lastRegisterSent ?? 0);
    expect(view?.registrationTimeout).toBe((view?.lastRegisterSent ?? 0) + 50);
    const sent = h.registrar.received.length;
    await h.advance(45);
    expect(h.registrar.received.length).toBe(sent);
    expect(h.engine.counters().authFailures).toBe(1);
    // Once RT has passed, a visit retries with a new Call-ID.
    await h.until(() => (h?.registrar.received.length ?? 0) > sent);
    expect(h.registrar.received[sent]?.callId).not.toBe(h.registrar.received[0]?.callId);
  });
});

describe("timeout and recovery", () => {
  it("goes to REGISTER_TIMEOUT_STATE at fr_timeout, then registers with a new Call-ID once RT has passed", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.script = () => "drop";
    const ev = await h.waitEvent((e) => e.to === "REGISTER_TIMEOUT_STATE");
    expect(ev.from).toBe("REGISTERING_STATE");
    const dropped = h.registrar.received;
    expect(dropped.length).toBe(1);
    expect(h.engine.get(alice(h))?.pinned).toBeUndefined();
    h.registrar.script = () => "default";
    await h.advance(60);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const retry = h.registrar.received[1];
    expect(retry?.callId).not.toBe(dropped[0]?.callId);
    expect(retry?.cseq).toBe(1);
    expect(h.engine.counters().timeouts).toBe(1);
  });
});

describe("disable and enable", () => {
  it("disable sends an unREGISTER at once, follows its challenge, and writes state 1; enable registers again", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const reg = h.registrar.received.at(-1);
    const before = h.registrar.received.length;
    const from = h.events.length;
    expect(h.engine.disable(alice(h))).toBe(true);
    await h.waitEvent((e) => e.to === "NOT_REGISTERED_STATE", from);
    const unreg = h.registrar.received.slice(before);
    expect(unreg[0]?.expires).toBe(0);
    expect(unreg[0]?.callId).toBe(reg?.callId);
    expect(unreg[0]?.contacts).toEqual(["sip:alice@127.0.0.1:5099"]);
    expect(h.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    expect(h.engine.get(alice(h))?.enabled).toBe(false);
    await h.settle();
    expect(h.repository.stateWrites.map((w) => w.state)).toEqual([1]);
    expect(h.engine.enable(alice(h))).toBe(true);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE", from);
    const again = h.registrar.received.at(-1);
    expect(again?.callId).not.toBe(reg?.callId);
    await h.settle();
    expect(h.repository.stateWrites.map((w) => w.state)).toEqual([1, 0]);
    expect(h.engine.disable({ ...alice(h), aor: "sip:nobody@reg.test" })).toBe(false);
  });
});

describe("unique binding (reg-id + +sip.instance)", () => {
  it("removes every binding with a wildcard unREGISTER when the 200 lists another one, then registers alone", async () => {
    h = await openHarness({
      rows: (r) => [
        row(r, "alice", {
          binding_params: ';reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"',
        }),
      ],
    });
    h.registrar.bindings.set(
      "sip:alice@reg.test",
      new Map([["sip:alice@192.0.2.99:5060", { expires: 300, until: h.clock.wallNow() + 300_000 }]]),
    );
    await h.waitEvent((e) => e.to === "UNREGISTERING_STATE");
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const wildcard = h.registrar.received.find((r) => r.contacts[0] === "*");
    expect(wildcard).toBeDefined();
    expect([...(h.registrar.bindings.get("sip:alice@reg.test")?.keys() ?? [])]).toEqual(["sip:alice@127.0.0.1:5099"]);
    const last = h.registrar.received.at(-1);
    expect(last?.callId).not.toBe(wildcard?.callId);
  });
});
