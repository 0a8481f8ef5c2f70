// Reload, delete, MI commands, shutdown, clustering and the in-flight bound, on virtual time (see the harness).
import type { RegistrantKey } from "@uacreg/core";
import { coreHash, SchedulerConfigError } from "@uacreg/scheduler";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { RegistrantEngine } from "../src/registrant-engine.js";
import { EngineConfigError } from "../src/registrant-params.js";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";
import { MemoryRegistrar } from "../src/test-support/memory-registrar.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const key = (h: Harness, user: string) => ({
  aor: `sip:${user}@reg.test`,
  contact: `sip:${user}@127.0.0.1:5099`,
  registrar: h.registrar.uri,
});
const registeredCount = (h: Harness) => h.engine.stats().REGISTERED_STATE ?? 0;
const sentTo = (h: Harness, user: string) =>
  h.registrar.received.filter((r) => r.request.getHeader("to")?.includes(user));

describe("full reload (docs/decisions.md)", () => {
  it("leaves unchanged records untouched, re-registers a changed one with its Call-ID, unregisters a removed one", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob"), row(r, "carol")] });
    await h.until(() => registeredCount(h as Harness) === 3);
    const callIdOf = (user: string) => sentTo(h as Harness, user).at(-1)?.callId;
    const before = { alice: callIdOf("alice"), bob: callIdOf("bob"), carol: callIdOf("carol") };
    const viewsBefore = Object.fromEntries(["alice", "carol"].map((u) => [u, h?.engine.get(key(h as Harness, u))]));
    const sent = h.registrar.received.length;

    // bob's row changes (expiry), carol's row is removed, alice's stays the same.
    const bobRow = h.repository.rows.find((r) => r.username === "bob");
    if (bobRow) bobRow.expiry = 120;
    h.repository.rows.splice(
      h.repository.rows.findIndex((r) => r.username === "carol"),
      1,
    );
    const report = await h.engine.reload();
    expect(report).toEqual({ loaded: 2, rejected: [] });

    await h.until(() => (h?.registrar.received.length ?? 0) >= sent + 3 && registeredCount(h as Harness) === 2);
    const after = h.registrar.received.slice(sent);
    const to = (user: string) => after.filter((r) => r.request.getHeader("to")?.includes(user));
    expect(to("alice")).toEqual([]);
    expect(h.engine.get(key(h, "alice"))).toEqual(viewsBefore.alice);
    // bob re-registers at the next visit with the same Call-ID and the new expiry.
    expect(to("bob")[0]?.callId).toBe(before.bob);
    expect(to("bob")[0]?.expires).toBe(120);
    // carol is unregistered (preemptive credentials: one authorized unREGISTER), then gone.
    expect(to("carol").map((r) => [r.expires, r.authorized])).toEqual([[0, true]]);
    expect(to("carol")[0]?.callId).toBe(before.carol);
    expect(h.registrar.bindings.get("sip:carol@reg.test")?.size).toBe(0);
    expect(h.engine.get(key(h, "carol"))).toBeUndefined();
    expect(
      h.engine
        .list()
        .map((v) => v.aor)
        .sort(),
    ).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    expect(h.engine.get(key(h, "bob"))?.stateName).toBe("REGISTERED_STATE");
  });

  it("keeps every record when the database fails in the middle of a reload", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => registeredCount(h as Harness) === 2);
    const repository = h.repository;
    const original = repository.loadAll.bind(repository);
    repository.loadAll = async function* () {
      for await (const r of original()) {
        yield r;
        throw new Error("connection lost");
      }
    };
    await expect(h.engine.reload()).rejects.toThrow("connection lost");
    expect(registeredCount(h)).toBe(2);
    repository.loadAll = original;
    expect(await h.engine.reload()).toEqual({ loaded: 2, rejected: [] });
  });

  it("reloads one record by key; not-found leaves memory as it is", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    expect(await h.engine.reloadOne({ ...key(h, "alice"), aor: "sip:zed@reg.test" })).toBe("not-found");
    const r = h.repository.rows[0];
    if (r) r.state = 1;
    const from = h.events.length;
    expect(await h.engine.reloadOne(key(h, "alice"))).toBe("ok");
    // Now disabled while REGISTERED: unREGISTER.
    await h.waitEvent((e) => e.to === "NOT_REGISTERED_STATE", from);
    expect(h.registrar.received.at(-1)?.expires).toBe(0);
  });

  it("during a request in flight: the reply is applied, then the changed row re-registers with the same Call-ID", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => registeredCount(h as Harness) === 2);
    // alice's refresh is held by the registrar (dropped, then answered on a retransmission).
    h.registrar.script = (r) => (r.request.getHeader("to")?.includes("alice") ? "drop" : "default");
    const held = sentTo(h, "alice").length;
    await h.until(() => h?.engine.get(key(h as Harness, "alice"))?.stateName === "REGISTERING_STATE");
    expect(sentTo(h, "alice").length).toBe(held + 1);
    const refresh = sentTo(h, "alice").at(-1);
    // The row changes while the refresh is in flight; bob's row does not.
    const aliceRow = h.repository.rows.find((r) => r.username === "alice");
    if (aliceRow) aliceRow.expiry = 300;
    const bobBefore = h.engine.get(key(h, "bob"));
    expect(await h.engine.reload()).toEqual({ loaded: 2, rejected: [] });
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("REGISTERING_STATE");
    expect(h.engine.get(key(h, "bob"))).toEqual(bobBefore);
    // The held refresh is answered; alice goes REGISTERED, then re-registers at once with the new expiry.
    const from = h.events.length;
    h.registrar.script = () => "default";
    await h.until(() => sentTo(h as Harness, "alice").some((r) => r.expires === 300));
    const again = sentTo(h, "alice").find((r) => r.expires === 300);
    expect(again?.callId).toBe(refresh?.callId);
    expect(again?.cseq).toBe((refresh?.cseq ?? 0) + 1);
    await h.waitEvent((e) => e.key.aor === "sip:alice@reg.test" && e.to === "REGISTERED_STATE", from);
    expect(h.engine.get(key(h, "alice"))?.expires).toBe(300);
  });
});

describe("loading rows", () => {
  it("refuses bad rows with one log line naming the key, and loads the rest", async () => {
    h = await openHarness({
      rows: (r) => [
        row(r, "alice", { expiry: 5 }),
        row(r, "bob", { registrar: "sip:user@127.0.0.1" }),
        row(r, "carol"),
        row(r, "carol"),
      ],
    });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const errors = h.logger.at("error");
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain("aor=sip:alice@reg.test");
    expect(errors[0]).toContain("expiry");
    expect(errors[1]).toContain("registrar");
    expect(errors[2]).toContain("duplicate");
    expect(errors.join("\n")).not.toContain("secret");
    expect(h.engine.list().map((v) => v.aor)).toEqual(["sip:carol@reg.test"]);
    expect(h.engine.counters().rowsRejected).toBe(3);
  });

  it("reports the refused rows from start()", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { forced_socket: "udp:127.0.0.1:1" }), row(r, "bob")],
      start: false,
    });
    const report = await h.engine.start();
    expect(report.loaded).toBe(1);
    expect(report.rejected).toEqual([
      { key: expect.stringContaining("sip:alice@reg.test"), field: "forced_socket", message: expect.any(String) },
    ]);
  });

  it("upserts a record in memory and refuses an invalid one with a typed error", async () => {
    h = await openHarness({ rows: () => [] });
    expect(() => h?.engine.upsert(row(h.registrar, "alice", { aor: "" }))).toThrow(/aor/);
    h.engine.upsert(row(h.registrar, "alice"));
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
  });
});

describe("delete", () => {
  it("unregisters a registered record and follows the challenge after it left the table", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")], params: { preemptiveAuth: false } });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const sent = h.registrar.received.length;
    expect(h.engine.delete(key(h, "alice"))).toBe(true);
    expect(h.engine.get(key(h, "alice"))).toBeUndefined();
    expect(h.engine.stats().REGISTERED_STATE).toBe(0);
    await h.until(() => h?.registrar.bindings.get("sip:alice@reg.test")?.size === 0);
    expect(h.registrar.received.slice(sent).map((r) => r.expires)).toEqual([0, 0]);
    expect(h.engine.delete(key(h, "alice"))).toBe(false);
  });

  it("answers the 200 of a REGISTER that was in flight at delete with an unREGISTER, outside the table", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { username: null, password: null })],
      registrar: { challenge: false },
    });
    h.registrar.script = () => "drop";
    await h.until(() => h?.registrar.received.length === 1);
    h.engine.delete(key(h, "alice"));
    h.registrar.script = () => "default"; // the retransmission of the REGISTER is answered 200
    await h.until(() => h?.registrar.received.some((r) => r.expires === 0) === true);
    await h.until(() => h?.registrar.bindings.get("sip:alice@reg.test")?.size === 0);
    await h.until(() => h?.engine.counters().inFlight === 0);
    expect(h.engine.list()).toEqual([]);
    expect(h.engine.stats().REGISTERING_STATE).toBe(0);
  });

  it("does not answer a challenge to a REGISTER that was in flight at delete", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.script = () => "drop";
    await h.until(() => h?.registrar.received.length === 1);
    h.engine.delete(key(h, "alice"));
    h.registrar.script = () => "default"; // the retransmission is challenged
    await h.until(() => (h?.engine.counters().repliesReceived ?? 0) === 1);
    await h.advance(120);
    expect(h.registrar.received.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(h.events.map((e) => e.to)).toEqual(["REGISTERING_STATE"]);
  });

  it("during a request in flight of another record: that one goes on, the deleted one only unregisters", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => registeredCount(h as Harness) === 2);
    // Both refreshes are held by the registrar.
    h.registrar.script = () => "drop";
    await h.until(() => h?.engine.stats().REGISTERING_STATE === 2);
    const held = h.registrar.received.length;
    expect(h.engine.delete(key(h, "bob"))).toBe(true);
    expect(h.engine.stats().REGISTERING_STATE).toBe(1);
    h.registrar.script = () => "default";
    await h.until(() => h?.registrar.bindings.get("sip:bob@reg.test")?.size === 0 && registeredCount(h) === 1);
    await h.until(() => h?.engine.counters().inFlight === 0);
    // bob: his held refresh was answered 200, then one unREGISTER (same Call-ID); nothing else.
    const bob = sentTo(h, "bob").slice(-1);
    expect(bob.map((r) => r.expires)).toEqual([0]);
    expect(h.registrar.received.slice(held).map((r) => r.request.getHeader("to")?.includes("bob"))).toEqual([true]);
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("REGISTERED_STATE");
    expect(h.engine.get(key(h, "bob"))).toBeUndefined();
    expect(h.engine.list().map((v) => v.aor)).toEqual(["sip:alice@reg.test"]);
  });
});

describe("database writes", () => {
  it("logs a failed state write and goes on", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    h.repository.failWrites = true;
    h.engine.disable(key(h, "alice"));
    await h.until(() => (h?.engine.counters().persistFailures ?? 0) === 1);
    expect(h.logger.at("error").join()).toContain("database");
    await h.waitEvent((e) => e.to === "NOT_REGISTERED_STATE");
  });
});

describe("shutdown", () => {
  it("with unregister: sends the unREGISTERs and waits for them", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => registeredCount(h as Harness) === 2);
    await h.engine.stop({ unregister: true, timeoutMs: 3000 });
    expect(h.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    expect(h.registrar.bindings.get("sip:bob@reg.test")?.size).toBe(0);
    const sent = h.registrar.received.length;
    expect(h.registrar.received.slice(-2).map((r) => r.expires)).toEqual([0, 0]);
    expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(2);
    expect(h.events.slice(-2).map((e) => e.to)).toEqual(["NOT_REGISTERED_STATE", "NOT_REGISTERED_STATE"]);
    await h.advance(600);
    expect(h.registrar.received.length).toBe(sent);
    // Shutdown disables in memory only: the database keeps state 0.
    expect(h.repository.stateWrites).toEqual([]);
  });

  it("with unregister and challenges: follows each unREGISTER's challenge, registers nothing, waits on the clock", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice"), row(r, "bob")],
      params: { preemptiveAuth: false },
    });
    const hh = h;
    await hh.until(() => registeredCount(hh) === 2);
    // alice is REGISTERED; bob is held mid-refresh (his REGISTER dropped) when the node stops.
    hh.registrar.script = (r) => (r.request.getHeader("to")?.includes("bob") && r.expires !== 0 ? "drop" : "default");
    expect(hh.engine.forceRegister(key(hh, "bob"))).toBe(true);
    await hh.until(() => hh.engine.get(key(hh, "bob"))?.stateName === "REGISTERING_STATE");
    const sent = hh.registrar.received.length;
    const from = hh.events.length;
    const t0 = hh.clock.now();
    const replies = hh.engine.counters().repliesReceived;
    const stopped = hh.engine.stop({ unregister: true, timeoutMs: 10_000 });
    // bob's held REGISTER is challenged on its retransmission: the engine does not answer it (nothing registers).
    hh.registrar.script = () => "default";
    await hh.until(() => hh.engine.counters().inFlight === 0);
    await stopped;
    expect(hh.clock.now() - t0).toBeLessThan(10_000);
    // Three replies came back: alice's 401 and 200, and bob's 401 (to his REGISTER's retransmission).
    expect(hh.engine.counters().repliesReceived - replies).toBe(3);
    const after = hh.registrar.received.slice(sent);
    // alice: unREGISTER, 401, unREGISTER with credentials, 200.
    expect(
      after.filter((r) => r.request.getHeader("to")?.includes("alice")).map((r) => [r.expires, r.authorized]),
    ).toEqual([
      [0, false],
      [0, true],
    ]);
    expect(after.filter((r) => r.request.getHeader("to")?.includes("bob"))).toEqual([]);
    expect(hh.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    // Only real state changes: alice leaves; bob's unanswered challenge changes nothing.
    expect(hh.events.slice(from).map((e) => `${e.key.aor}:${e.to}`)).toEqual([
      "sip:alice@reg.test:UNREGISTERING_STATE",
      "sip:alice@reg.test:AUTHENTICATING_UNREGISTER_STATE",
      "sip:alice@reg.test:NOT_REGISTERED_STATE",
    ]);
    expect(hh.engine.get(key(hh, "bob"))?.stateName).toBe("REGISTERING_STATE");
  });

  it("without unregister: stops the walk, sends nothing, and bounds the wait for transactions in flight", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.script = () => "drop";
    await h.until(() => h?.registrar.received.length === 1);
    const t0 = h.clock.now();
    const stopped = h.engine.stop({ timeoutMs: 100 });
    await h.advance(0.1);
    await stopped;
    expect(h.clock.now() - t0).toBe(100);
    expect(h.logger.at("warn").join()).toContain("in flight");
    await h.advance(600);
    expect(h.registrar.received).toHaveLength(1);
  });
});

describe("clustering (docs/opensips-behaviour.md §7, docs/decisions.md)", () => {
  it("ignores sharing tags with one warning when clustering is off", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { cluster_shtag: "vip/1" }), row(r, "bob", { cluster_shtag: "vip/1" })],
    });
    await h.until(() => registeredCount(h as Harness) === 2);
    h.engine.setTagState("vip/1", "backup");
    expect(registeredCount(h)).toBe(2);
    expect(h.logger.at("warn").filter((l) => l.includes("enable_clustering"))).toHaveLength(1);
  });

  it("registers tagged records only while their tag is active", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { cluster_shtag: " vip / 1 " }), row(r, "bob")],
      params: { enableClustering: true },
    });
    await h.waitEvent((e) => e.key.aor === "sip:bob@reg.test" && e.to === "REGISTERED_STATE");
    await h.advance(120);
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("NOT_REGISTERED_STATE");
    expect(h.engine.get(key(h, "alice"))?.shtag).toBe("vip");
    h.engine.setTagState("vip/1", "active");
    await h.waitEvent((e) => e.key.aor === "sip:alice@reg.test" && e.to === "REGISTERED_STATE");
    h.engine.setTagState("vip/1", "backup");
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("NOT_REGISTERED_STATE");
    expect(h.engine.get(key(h, "bob"))?.stateName).toBe("REGISTERED_STATE");
    expect(() => h?.engine.setTagState("vip", "active")).toThrow(/name\/cluster_id|no "\/"/);
  });
});

describe("start-up parameters (docs/opensips-behaviour.md §1)", () => {
  it("refuses bad parameters with a typed error naming the parameter", async () => {
    const clock = new VirtualClock();
    const transport = new MemoryRegistrar(clock);
    const make = (params: Record<string, number>) => () => new RegistrantEngine({ transport, params, clock });
    expect(make({ timerInterval: 9 })).toThrow(SchedulerConfigError);
    expect(make({ timerInterval: 9 })).toThrow(/timer_interval/);
    expect(make({ hashSize: 4, timerInterval: 15 })).toThrow(/timer_interval/);
    expect(make({ hashSize: 21 })).toThrow(/hash_size/);
    expect(make({ reregisterExpiryPercentage: 0 })).toThrow(EngineConfigError);
    expect(make({ reregisterExpiryPercentage: 101 })).toThrow(/reregister_expiry_percentage/);
    expect(make({ defaultExpires: 14 })).toThrow(/default_expires/);
    // Above the expiry column's 2^31−1 (core's MAX_ROW_EXPIRY): refused naming the parameter.
    expect(make({ defaultExpires: 2 ** 40 })).toThrow(EngineConfigError);
    expect(make({ defaultExpires: 2 ** 40 })).toThrow(/default_expires/);
    expect(make({ defaultExpires: 2 ** 31 - 1 })).not.toThrow();
    expect(() => new RegistrantEngine({ transport, params: {}, clock, maxInFlight: 0 })).toThrow(/maxInFlight/);
    const engine = new RegistrantEngine({ transport, params: {}, clock });
    expect(engine.stats()).toEqual({
      NOT_REGISTERED_STATE: 0,
      REGISTERING_STATE: 0,
      AUTHENTICATING_STATE: 0,
      REGISTERED_STATE: 0,
      REGISTER_TIMEOUT_STATE: 0,
      INTERNAL_ERROR_STATE: 0,
      WRONG_CREDENTIALS_STATE: 0,
      REGISTRAR_ERROR_STATE: 0,
      UNREGISTERING_STATE: 0,
      AUTHENTICATING_UNREGISTER_STATE: 0,
    });
    await expect(engine.reload()).rejects.toThrow(/repository/);
  });
});

describe("transactions in flight", () => {
  it("never has more than maxInFlight transactions out; the others wait in order", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice"), row(r, "bob"), row(r, "carol")],
      engine: { maxInFlight: 1 },
    });
    h.registrar.script = (r) => (r.request.getHeader("to")?.includes("alice") && r.cseq === 1 ? "drop" : "default");
    await h.until(() => h?.registrar.received.length === 1);
    await h.advance(10);
    expect(h.registrar.received).toHaveLength(1);
    expect(h.engine.counters().inFlight).toBe(1);
    expect(h.engine.counters().queued).toBe(2);
    await h.until(() => registeredCount(h as Harness) === 2);
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("REGISTER_TIMEOUT_STATE");
    expect(h.engine.counters().inFlight).toBe(0);
    // Queue order: bob's exchange (REGISTER, 401, REGISTER with credentials) before carol's; never two at once.
    const order = h.registrar.received.map((r) => r.request.getHeader("to")?.match(/sip:(\w+)@/)?.[1]);
    expect(order).toEqual(["alice", "bob", "bob", "carol", "carol"]);
    expect(h.registrar.maxOpen).toBe(1);
  });

  it("does not send a queued request core abandoned meanwhile (tag backup), nor one of a deleted record", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice"), row(r, "bob", { cluster_shtag: "vip/1" }), row(r, "carol"), row(r, "dave")],
      params: { enableClustering: true },
      engine: { maxInFlight: 1, activeTags: ["vip/1"] },
      registrar: { accounts: { alice: "secret", bob: "secret", carol: "secret", dave: "secret" } },
    });
    h.registrar.script = (r) => (r.request.getHeader("to")?.includes("alice") && r.cseq === 1 ? "drop" : "default");
    await h.until(() => h?.registrar.received.length === 1 && h.engine.counters().queued === 3);
    // bob's REGISTER is queued behind alice's: the tag goes backup (core abandons it), carol is deleted.
    h.engine.setTagState("vip/1", "backup");
    expect(h.engine.get(key(h, "bob"))?.stateName).toBe("NOT_REGISTERED_STATE");
    expect(h.engine.delete(key(h, "carol"))).toBe(true);
    await h.until(() => h?.engine.get(key(h as Harness, "dave"))?.stateName === "REGISTERED_STATE");
    await h.until(() => h?.engine.counters().inFlight === 0 && h.engine.counters().queued === 0);
    const users = h.registrar.received.map((r) => r.request.getHeader("to")?.match(/sip:(\w+)@/)?.[1]);
    expect(users).toEqual(["alice", "dave", "dave"]);
    expect(h.registrar.maxOpen).toBe(1);
  });
});

describe("a bucket larger than the in-flight bound (the ramp)", () => {
  /** `n` users whose records are all in bucket 0 of hash_size 1 (visited together). */
  const bucket0 = (n: number) => {
    const out: string[] = [];
    for (let i = 0; out.length < n; i++) if ((coreHash(`sip:user${i}@reg.test`) & 1) === 0) out.push(`user${i}`);
    return out;
  };
  const accounts = (users: string[]) => ({ accounts: Object.fromEntries(users.map((u) => [u, "secret"])) });
  const firstRegistered = (h: Harness) =>
    new Set(h.events.filter((e) => e.to === "REGISTERED_STATE").map((e) => e.key.aor));

  it("builds a REGISTER only when the registrar has room: the others wait untouched, then all register in order", async () => {
    const users = bucket0(40);
    h = await openHarness({
      rows: (r) => users.map((u) => row(r, u)),
      registrar: accounts(users),
      engine: { maxInFlight: 4 },
    });
    let hold = true; // the registrar answers nothing until the waiting records are counted
    h.registrar.script = () => (hold ? "drop" : "default");
    await h.until(() => h?.registrar.received.length === 4);
    // The visit found all 40 due; 4 went out, 36 wait as records: core has not stepped them (no REGISTER built), and
    // they count as queued.
    expect(h.engine.counters().inFlight).toBe(4);
    expect(h.engine.counters().queued).toBe(36);
    expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(36);
    expect(h.engine.stats().REGISTERING_STATE).toBe(4);
    hold = false;
    await h.until(() => firstRegistered(h as Harness).size === 40);
    expect(h.registrar.maxOpen).toBe(4);
    // Each record: REGISTER, 401, REGISTER with credentials, 200; first REGISTERs in the bucket's order.
    const first80 = h.registrar.received.slice(0, 80);
    expect(first80.filter((r) => r.authorized)).toHaveLength(40);
    const firsts = first80.filter((r) => !r.authorized).map((r) => r.request.getHeader("to"));
    expect(firsts).toEqual(h.engine.list().map((v) => `<${v.aor}>`));
  });

  it("a waiting record that is disabled, deleted or registered by MI meanwhile is not visited again", async () => {
    const [alice, bob, carol, dave, erin] = bucket0(5) as [string, string, string, string, string];
    const users = [alice, bob, carol, dave, erin];
    h = await openHarness({
      rows: (r) => users.map((u) => row(r, u)),
      registrar: accounts(users),
      engine: { maxInFlight: 1 },
    });
    const to = (r: { request: { getHeader(n: string): string | undefined } }) =>
      r.request.getHeader("to")?.match(/sip:(\w+)@/)?.[1];
    h.registrar.script = (r) => (to(r) === alice && r.cseq === 1 ? "drop" : "default");
    await h.until(() => h?.registrar.received.length === 1 && h.engine.counters().queued === 4);
    expect(to(h.registrar.received[0] as (typeof h.registrar.received)[0])).toBe(alice);
    expect(h.engine.disable(key(h, bob))).toBe(true);
    expect(h.engine.delete(key(h, carol))).toBe(true);
    expect(h.engine.forceRegister(key(h, dave))).toBe(true);
    await h.until(() => h?.engine.get(key(h as Harness, erin))?.stateName === "REGISTERED_STATE");
    const seen = h.registrar.received.map(to);
    expect(seen.filter((u) => u === bob || u === carol)).toEqual([]);
    // dave: one exchange (REGISTER, then REGISTER with credentials), not two.
    expect(seen.filter((u) => u === dave)).toEqual([dave, dave]);
    expect(h.engine.get(key(h, dave))?.stateName).toBe("REGISTERED_STATE");
  });

  it("stop() drops the waiting visits: nothing registers after it and it does not wait for them", async () => {
    const users = bucket0(10);
    h = await openHarness({
      rows: (r) => users.map((u) => row(r, u)),
      registrar: accounts(users),
      engine: { maxInFlight: 2 },
    });
    let hold = true;
    h.registrar.script = () => (hold ? "drop" : "default");
    await h.until(() => h?.registrar.received.length === 2 && h.engine.counters().queued === 8);
    const stopped = h.engine.stop({ timeoutMs: 60_000 });
    hold = false;
    await h.until(() => h?.engine.counters().inFlight === 0);
    await stopped;
    expect(h.engine.counters().queued).toBe(0);
    expect(new Set(h.registrar.received.map((r) => r.callId)).size).toBe(2);
    expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(8);
    h = undefined;
  });
});

describe("the walk", () => {
  it("runs on one timer however many records there are, and lists them in bucket order", async () => {
    h = await openHarness({ rows: () => [], start: false, params: { hashSize: 3, timerInterval: 80 } });
    expect(h.clock.pendingTimers).toBe(0);
    await h.engine.start();
    expect(h.clock.pendingTimers).toBe(1);
    for (let i = 0; i < 300; i++) h.engine.upsert(row(h.registrar, `user${i}`, { state: 1, expiry: 600 }));
    expect(h.clock.pendingTimers).toBe(1);
    const list = h.engine.list();
    expect(list).toHaveLength(300);
    const buckets = list.map((v) => coreHash(v.aor) & 7);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    // Disabled records are visited but send nothing; one bucket every floor(80/8) = 10 s.
    await h.advance(80);
    expect(h.registrar.received).toHaveLength(0);
    expect(h.engine.counters().visits).toBe(8);
    expect(h.clock.pendingTimers).toBe(1);
  });
});

describe("MI during a reload", () => {
  it("a record deleted while the rows are read, before its row, is inserted again from that row", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => registeredCount(h as Harness) === 2);
    const repository = h.repository;
    const original = repository.loadAll.bind(repository);
    const hh = h;
    repository.loadAll = async function* () {
      for await (const r of original()) {
        // The operator deletes alice while the database is being read, before her row comes in.
        if (r.username === "alice") hh.engine.delete(key(hh, "alice"));
        yield r;
      }
    };
    expect(await h.engine.reload()).toEqual({ loaded: 2, rejected: [] });
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("NOT_REGISTERED_STATE");
    await h.until(() => registeredCount(hh) === 2);
    expect(
      h.engine
        .list()
        .map((v) => v.aor)
        .sort(),
    ).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
  });
});

// reg_list's snapshot (src/record-snapshot.ts): which records it lists is fixed when it is taken, each record's
// fields are read when its view is made (docs/opensips-behaviour.md §9 for the view).
const aors = (s: { length: number; view(i: number): { aor: string } }) =>
  Array.from({ length: s.length }, (_, i) => s.view(i).aor).sort();

describe("the reg_list snapshot", () => {
  it("lists the records present when taken, each as it is when its view is made", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 2);
    const taken = h.engine.snapshot();
    expect(taken.length).toBe(2);

    // After the snapshot: carol added, alice disabled, bob deleted; a snapshot taken between two changes sees the first.
    h.engine.upsert(row(h.registrar, "carol"));
    expect(aors(h.engine.snapshot())).toEqual(["sip:alice@reg.test", "sip:bob@reg.test", "sip:carol@reg.test"]);
    h.engine.disable(key(h, "alice"));
    h.engine.delete(key(h, "bob"));
    await h.advance(1);

    // The first snapshot: still alice and bob (bob as he was when he left), not carol; alice's change shows.
    expect(aors(taken)).toEqual(["sip:alice@reg.test", "sip:bob@reg.test"]);
    const views = Array.from({ length: 2 }, (_, i) => taken.view(i));
    expect(views.find((v) => v.aor === "sip:alice@reg.test")?.enabled).toBe(false);
    expect(views.find((v) => v.aor === "sip:bob@reg.test")?.contact).toBe(key(h, "bob").contact);
    expect(() => taken.view(2)).toThrow(RangeError);
    // key(i): the same record's key without a view (what the status reports' identifiers read).
    expect(
      Array.from({ length: 2 }, (_, i) => taken.key?.(i) as RegistrantKey).sort((a, b) => a.aor.localeCompare(b.aor)),
    ).toEqual([key(h, "alice"), key(h, "bob")]);
    expect(() => taken.key?.(2)).toThrow(RangeError);

    // A snapshot taken now lists the table as it is now, and list() agrees with it.
    const now = h.engine.snapshot();
    expect(aors(now)).toEqual(["sip:alice@reg.test", "sip:carol@reg.test"]);
    expect(
      h.engine
        .list()
        .map((v) => v.aor)
        .sort(),
    ).toEqual(aors(now));
  });
});
