import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { RecordView, RegistrantKey, StateName } from "@uacreg/core";
import { MiRegistry } from "@uacreg/mi";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { type FollowedEngine, OpensipsEvents } from "./opensips-events.js";

type Listener = Parameters<FollowedEngine["onStateChange"]>[0];

/** An engine as the wiring sees it: records, their count, and the state-change listeners. */
class FakeEngine {
  keys: RegistrantKey[] = [];
  readonly listeners = new Set<Listener>();
  onStateChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  snapshot() {
    const keys = [...this.keys];
    return {
      length: keys.length,
      view: (i: number) => ({ ...keys[i] }) as RecordView,
      key: (i: number) => ({ ...(keys[i] as RegistrantKey) }),
    };
  }
  counters(): Record<string, number> {
    return { records: this.keys.length };
  }
  change(key: RegistrantKey, from: StateName, to: StateName, at: number): void {
    for (const l of this.listeners) l({ key, from, to, reason: "test", at });
  }
}

const alice = { aor: "sip:alice@example.com", contact: "sip:alice@192.0.2.1", registrar: "sip:registrar.example.com" };
const bob = { aor: "sip:bob@example.com", contact: "sip:bob@192.0.2.1", registrar: "sip:registrar.example.com" };
const idOf = (k: RegistrantKey): string => `aor=${k.aor};contact=${k.contact};registrar=${k.registrar}`;

let clock: VirtualClock;
let registry: MiRegistry;
let engine: FakeEngine;
let events: OpensipsEvents;
const received: unknown[] = [];
let listener: ReturnType<typeof createSocket>;
let port = 0;

async function until(what: string, predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !predicate(); i++) await settle();
  if (!predicate()) throw new Error(`gave up waiting for ${what}`);
}

beforeEach(async () => {
  received.length = 0;
  listener = createSocket("udp4");
  listener.on("message", (m) => received.push(JSON.parse(m.toString("utf8"))));
  listener.bind(0, "127.0.0.1");
  await once(listener, "listening");
  port = listener.address().port;
  clock = new VirtualClock({ wallStart: Date.UTC(2026, 11, 6, 12, 0, 0) });
  registry = new MiRegistry();
  engine = new FakeEngine();
  engine.keys = [alice];
  events = new OpensipsEvents(registry, {
    clock,
    log: createLogger({ level: "silent", format: "json" }),
    engine: () => engine,
  });
});

afterEach(async () => {
  await events.close();
  await new Promise<void>((r) => listener.close(() => r()));
});

describe("OpensipsEvents", () => {
  it("reports the daemon's readiness in the core group: initializing, running, shutting down", async () => {
    expect(await registry.call("sr_get_status", ["core"])).toEqual({
      Readiness: false,
      Status: -1,
      Details: "initializing",
    });
    await registry.call("event_subscribe", ["E_CORE_SR_STATUS_CHANGED", `udp:127.0.0.1:${port}`]);
    events.attach(engine);
    events.loaded();
    expect(await registry.call("sr_get_status", ["core"])).toEqual({ Readiness: true, Status: 1, Details: "running" });
    events.stopping();
    expect(await registry.call("sr_get_status", ["core"])).toEqual({
      Readiness: false,
      Status: -2,
      Details: "shutting down",
    });
    const logs = (await registry.call("sr_list_reports", ["core", "main"])) as { Log: string }[];
    expect(logs.map((r) => r.Log)).toEqual(["initializing", "initialization completed, ready now"]);
    await until("two status events", () => received.length === 2);
    expect(received[0]).toEqual({
      jsonrpc: "2.0",
      method: "E_CORE_SR_STATUS_CHANGED",
      params: { group: "core", identifier: "main", status: 1, details: "running", old_status: -1 },
    });
  });

  it("lists E_CORE_SR_STATUS_CHANGED and the nine registrant events", async () => {
    const { Events } = (await registry.call("events_list")) as { Events: { name: string; id: number }[] };
    expect(Events.map((e) => `${e.id} ${e.name}`).slice(0, 4)).toEqual([
      "0 E_CORE_SR_STATUS_CHANGED",
      "1 E_REGISTRANT_REGISTERING",
      "2 E_REGISTRANT_AUTHENTICATING",
      "3 E_REGISTRANT_REGISTERED",
    ]);
    expect(Events).toHaveLength(10);
  });

  it("turns a state change into a report, the E_REGISTRANT_ event and the status-changed event", async () => {
    events.attach(engine);
    events.loaded();
    await registry.call("event_subscribe", ["E_REGISTRANT_REGISTERED", `udp:127.0.0.1:${port}`]);
    await registry.call("event_subscribe", ["E_CORE_SR_STATUS_CHANGED", `udp:127.0.0.1:${port}`]);
    const at = clock.wallNow() / 1000;
    engine.change(alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", at);
    engine.change(alice, "REGISTERING_STATE", "REGISTERED_STATE", at + 1);
    await until("two events", () => received.length === 2);
    const params = { aor: alice.aor, contact: alice.contact, registrar: alice.registrar };
    expect(received).toEqual([
      { jsonrpc: "2.0", method: "E_REGISTRANT_REGISTERED", params },
      {
        jsonrpc: "2.0",
        method: "E_CORE_SR_STATUS_CHANGED",
        params: {
          group: "uac_registrant",
          identifier: idOf(alice),
          status: 1,
          details: "REGISTERED_STATE",
          old_status: -1,
        },
      },
    ]);
    expect(events.reports.history(alice).map((h) => h.to)).toEqual(["REGISTERING_STATE", "REGISTERED_STATE"]);
    expect(events.reports.since(alice)).toBe(at + 1);
    expect(events.counters()).toMatchObject({ raised: 2, notifications: 2, udpSent: 2, statusReportRecords: 1 });
  });

  it("gives every loaded record its identifier, and drops those of records deleted without a state change", async () => {
    engine.keys = [alice, bob];
    events.attach(engine);
    events.loaded();
    expect(await registry.call("sr_list_identifiers", ["uac_registrant"])).toMatchObject({
      Identifiers: { length: 2 },
    });
    engine.keys = [alice];
    await clock.advance(5 * 60_000);
    await until("the sweep", () => events.reports.size === 1);
    expect(events.reports.history(bob)).toEqual([]);
    expect(JSON.parse(JSON.stringify(await registry.call("sr_list_identifiers", ["uac_registrant"])))).toEqual({
      Group: "uac_registrant",
      Identifiers: [idOf(alice)],
    });
  });

  it("gives an identifier to every record of a table larger than one page of keys, and drops the deleted ones", async () => {
    const many = Array.from({ length: 12_001 }, (_, i) => ({ ...alice, aor: `sip:u${i}@example.com` }));
    engine.keys = many;
    events.attach(engine);
    events.loaded();
    expect(await registry.call("sr_list_identifiers", ["uac_registrant"])).toMatchObject({
      Identifiers: { length: 12_001 },
    });
    engine.keys = many.slice(0, 7_000);
    await clock.advance(5 * 60_000);
    await until("the sweep", () => events.reports.size === 7_000);
    const listed = (await registry.call("sr_list_identifiers", ["uac_registrant"])) as { Identifiers: string[] };
    expect(listed.Identifiers).toHaveLength(7_000);
    expect(listed.Identifiers).toContain(idOf(many[6_999] as RegistrantKey));
    expect(listed.Identifiers).not.toContain(idOf(many[7_000] as RegistrantKey));
  });
});
