import { afterEach, describe, expect, it } from "vitest";
import { EngineConfigError } from "../src/registrant-params.js";
import { RegistrantEngine } from "../src/registrant-engine.js";
import { SchedulerConfigError } from "@uacreg/scheduler";
import { SipTransport } from "@uacreg/transport";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const registeredCount = (h: Harness) => h.engine.stats().REGISTERED_STATE ?? 0;
async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("full reload (decisions.md)", () => {
  it("leaves unchanged records untouched, re-registers a changed one with its Call-ID, unregisters a removed one", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob"), row(r, "carol")] });
    await until(() => registeredCount(h as Harness) === 3);
    const callIdOf = (user: string) =>
      h?.registrar.received.filter((r) => r.request.getHeader("to")?.includes(user)).at(-1)?.callId;
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

    await until(() => (h?.registrar.received.length ?? 0) >= sent + 3);
    await until(() => registeredCount(h as Harness) === 2);
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
    await until(() => registeredCount(h as Harness) === 2);
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
    await h.waitEvent((e) => e.to === "NOT_REGISTERED_STATE", 3000, from);
    expect(h.registrar.received.at(-1)?.expires).toBe(0);
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
    await until(() => h?.registrar.bindings.get("sip:alice@reg.test")?.size === 0);
    expect(h.registrar.received.slice(sent).map((r) => r.expires)).toEqual([0, 0]);
    expect(h.engine.delete(key(h, "alice"))).toBe(false);
  });

  it("answers the 200 of a REGISTER that was in flight at delete with an unREGISTER, outside the table", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { username: null, password: null })],
      registrar: { challenge: false },
    });
    h.registrar.script = () => "drop";
    await h.registrar.waitFor(() => true);
    h.engine.delete(key(h, "alice"));
    h.registrar.script = () => "default"; // the retransmission of the REGISTER is answered 200
    await until(() => h?.registrar.received.some((r) => r.expires === 0) === true);
    await until(() => h?.registrar.bindings.get("sip:alice@reg.test")?.size === 0);
    // The registrar drops the binding before its 200 reaches the engine: wait for that 200 too.
    await until(() => h?.engine.counters().inFlight === 0);
    expect(h.engine.list()).toEqual([]);
    expect(h.engine.stats().REGISTERING_STATE).toBe(0);
  });

  it("does not answer a challenge to a REGISTER that was in flight at delete", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.script = () => "drop";
    await h.registrar.waitFor(() => true);
    h.engine.delete(key(h, "alice"));
    h.registrar.script = () => "default"; // the retransmission is challenged
    await until(() => (h?.engine.counters().repliesReceived ?? 0) === 1);
    await sleep(100);
    expect(h.registrar.received.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(h.events.map((e) => e.to)).toEqual(["REGISTERING_STATE"]);
  });
});

describe("database writes", () => {
  it("logs a failed state write and goes on", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    h.repository.failWrites = true;
    h.engine.disable(key(h, "alice"));
    await until(() => (h?.engine.counters().persistFailures ?? 0) === 1);
    expect(h.logger.at("error").join()).toContain("database");
    await h.waitEvent((e) => e.to === "NOT_REGISTERED_STATE");
  });
});

describe("shutdown", () => {
  it("with unregister: sends the unREGISTERs and waits for them", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await until(() => registeredCount(h as Harness) === 2);
    await h.engine.stop({ unregister: true, timeoutMs: 3000 });
    expect(h.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    expect(h.registrar.bindings.get("sip:bob@reg.test")?.size).toBe(0);
    const sent = h.registrar.received.length;
    expect(h.registrar.received.slice(-2).map((r) => r.expires)).toEqual([0, 0]);
    expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(2);
    expect(h.events.slice(-2).map((e) => e.to)).toEqual(["NOT_REGISTERED_STATE", "NOT_REGISTERED_STATE"]);
    await sleep(150);
    expect(h.registrar.received.length).toBe(sent);
  });

  it("without unregister: stops the walk, sends nothing, and bounds the wait for transactions in flight", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    h.registrar.script = () => "drop";
    await h.registrar.waitFor(() => true);
    const t0 = Date.now();
    await h.engine.stop({ timeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(800);
    expect(h.logger.at("warn").join()).toContain("in flight");
  });
});

describe("clustering (reference §7, decisions.md)", () => {
  it("ignores sharing tags with one warning when clustering is off", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { cluster_shtag: "vip/1" }), row(r, "bob", { cluster_shtag: "vip/1" })],
    });
    await until(() => registeredCount(h as Harness) === 2);
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
    await sleep(120);
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

describe("start-up parameters (reference §1)", () => {
  it("refuses bad parameters with a typed error naming the parameter", async () => {
    const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
    try {
      const make = (params: Record<string, number>) => () => new RegistrantEngine({ transport, params });
      expect(make({ timerInterval: 9 })).toThrow(SchedulerConfigError);
      expect(make({ timerInterval: 9 })).toThrow(/timer_interval/);
      expect(make({ hashSize: 4, timerInterval: 15 })).toThrow(/timer_interval/);
      expect(make({ hashSize: 21 })).toThrow(/hash_size/);
      expect(make({ reregisterExpiryPercentage: 0 })).toThrow(EngineConfigError);
      expect(make({ reregisterExpiryPercentage: 101 })).toThrow(/reregister_expiry_percentage/);
      expect(make({ defaultExpires: 14 })).toThrow(/default_expires/);
      const engine = new RegistrantEngine({ transport, params: {} });
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
    } finally {
      await transport.close();
    }
  });
});

describe("transactions in flight", () => {
  it("never has more than maxInFlight transactions out; the others wait in order", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice"), row(r, "bob"), row(r, "carol")],
      engine: { maxInFlight: 1 },
    });
    h.registrar.script = (r) => (r.request.getHeader("to")?.includes("alice") && r.cseq === 1 ? "drop" : "default");
    await sleep(300);
    expect(h.registrar.received).toHaveLength(1);
    expect(h.engine.counters().inFlight).toBe(1);
    expect(h.engine.counters().queued).toBe(2);
    await until(() => registeredCount(h as Harness) === 2, 4000);
    expect(h.engine.get(key(h, "alice"))?.stateName).toBe("REGISTER_TIMEOUT_STATE");
    expect(h.engine.counters().inFlight).toBe(0);
  });
});

describe("the walk", () => {
  it("runs on one timer however many records there are, and lists them in bucket order", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    h = await openHarness({ rows: () => [], start: false, params: { hashSize: 3, timerInterval: 80 } });
    const before = timers();
    await h.engine.start();
    expect(timers()).toBe(before + 1);
    for (let i = 0; i < 300; i++) h.engine.upsert(row(h.registrar, `user${i}`, { state: 1, expiry: 600 }));
    expect(timers()).toBe(before + 1);
    const list = h.engine.list();
    expect(list).toHaveLength(300);
    const { coreHash } = await import("@uacreg/scheduler");
    const buckets = list.map((v) => coreHash(v.aor) & 7);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    // Disabled records are visited but send nothing.
    await sleep(400);
    expect(h.registrar.received).toHaveLength(0);
    expect(h.engine.counters().visits).toBeGreaterThanOrEqual(8);
  });
});
