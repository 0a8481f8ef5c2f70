import { VirtualClock } from "@uacreg/runtime/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { EventInterface, EventSubscribeError } from "./event-interface.js";
import { emptySenderCounters, type EventSender, type ResolvedTarget } from "./event-sender.js";
import {
  publishRegistrantEvents,
  REGISTRANT_EVENTS,
  raiseRegistrantEvent,
  raiseStatusChanged,
} from "./registrant-events.js";

/** Records what would go on the wire. */
class RecordingSender implements EventSender {
  readonly counters = emptySenderCounters();
  readonly sent: { target: ResolvedTarget; payload: unknown }[] = [];
  readonly released: ResolvedTarget[] = [];
  send(target: ResolvedTarget, payload: string): void {
    this.sent.push({ target, payload: JSON.parse(payload) });
  }
  release(target: ResolvedTarget): void {
    this.released.push(target);
  }
  async close(): Promise<void> {}
}

let clock: VirtualClock;
let udp: RecordingSender;
let tcp: RecordingSender;
let evi: EventInterface;
const key = { aor: "sip:alice@example.com", contact: "sip:alice@10.0.0.1", registrar: "sip:reg.example.com" };

beforeEach(() => {
  clock = new VirtualClock();
  udp = new RecordingSender();
  tcp = new RecordingSender();
  evi = new EventInterface({
    clock,
    senders: { udp, tcp },
    resolve: async (host) => {
      if (host === "monitor.example.com") return { address: "192.0.2.7", family: 4 };
      throw new Error("ENOTFOUND");
    },
  });
  publishRegistrantEvents(evi);
});

describe("E_REGISTRANT_* events", () => {
  it("publishes one event per state but NOT_REGISTERED, named as OpenSIPS 4.x names them", () => {
    expect(REGISTRANT_EVENTS).toEqual([
      "E_REGISTRANT_REGISTERING",
      "E_REGISTRANT_AUTHENTICATING",
      "E_REGISTRANT_REGISTERED",
      "E_REGISTRANT_REGISTER_TIMEOUT",
      "E_REGISTRANT_INTERNAL_ERROR",
      "E_REGISTRANT_WRONG_CREDENTIALS",
      "E_REGISTRANT_REGISTRAR_ERROR",
      "E_REGISTRANT_UNREGISTERING",
      "E_REGISTRANT_AUTHENTICATING_UNREGISTER",
    ]);
    expect(evi.events().map((e) => e.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("sends a JSON-RPC notification with aor, contact and registrar to the event's subscribers only", async () => {
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000");
    await evi.subscribe("E_REGISTRANT_REGISTERED", "tcp:monitor.example.com:8080/registrant_up");
    expect(raiseRegistrantEvent(evi, key, "REGISTERED_STATE")).toBe(2);
    expect(raiseRegistrantEvent(evi, key, "WRONG_CREDENTIALS_STATE")).toBe(0);
    expect(raiseRegistrantEvent(evi, key, "NOT_REGISTERED_STATE")).toBe(0);
    const params = { aor: key.aor, contact: key.contact, registrar: key.registrar };
    expect(udp.sent).toEqual([
      {
        target: { address: "127.0.0.1", family: 4, port: 9000 },
        payload: { jsonrpc: "2.0", method: "E_REGISTRANT_REGISTERED", params },
      },
    ]);
    expect(tcp.sent).toEqual([
      {
        target: { address: "192.0.2.7", family: 4, port: 8080 },
        payload: { jsonrpc: "2.0", method: "registrant_up", params },
      },
    ]);
  });

  it("raises E_CORE_SR_STATUS_CHANGED only when the status moves, with OpenSIPS's parameters", async () => {
    evi.publish("E_CORE_SR_STATUS_CHANGED");
    await evi.subscribe("E_CORE_SR_STATUS_CHANGED", "udp:127.0.0.1:9000");
    const base = { group: "uac_registrant", identifier: "aor=a;contact=b;registrar=c", details: "REGISTERED_STATE" };
    expect(raiseStatusChanged(evi, { ...base, status: -1, oldStatus: -1 })).toBe(0);
    expect(raiseStatusChanged(evi, { ...base, status: 1, oldStatus: -1 })).toBe(1);
    expect(udp.sent[0]?.payload).toEqual({
      jsonrpc: "2.0",
      method: "E_CORE_SR_STATUS_CHANGED",
      params: { ...base, status: 1, old_status: -1 },
    });
  });
});

describe("host names", () => {
  it("resolves a name with the system resolver, IPv4 first (localhost reaches a 127.0.0.1 listener)", async () => {
    const system = new EventInterface({ clock, senders: { udp, tcp } });
    publishRegistrantEvents(system);
    await system.subscribe("E_REGISTRANT_REGISTERED", "udp:localhost:9000");
    raiseRegistrantEvent(system, key, "REGISTERED_STATE");
    expect(udp.sent[0]?.target).toEqual({ address: "127.0.0.1", family: 4, port: 9000 });
    expect(system.subscribers("E_REGISTRANT_REGISTERED")).toEqual([
      { socket: "udp:localhost:9000", expire: 3600, ttl: 3600 },
    ]);
  });
});

describe("a sender that throws", () => {
  it("is counted and logged; the other subscribers still get the event", async () => {
    const broken: EventSender = {
      counters: emptySenderCounters(),
      send: () => {
        throw new Error("boom");
      },
      release: () => {},
      close: async () => {},
    };
    const mixed = new EventInterface({ clock, senders: { udp, tcp: broken } });
    publishRegistrantEvents(mixed);
    await mixed.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000");
    await mixed.subscribe("E_REGISTRANT_REGISTERED", "tcp:127.0.0.1:9001");
    expect(() => raiseRegistrantEvent(mixed, key, "REGISTERED_STATE")).not.toThrow();
    expect(udp.sent).toHaveLength(1);
    expect(mixed.counters).toMatchObject({ notifications: 1, failures: 1 });
  });
});

describe("subscriptions", () => {
  it("refuses an unknown event, a bad socket and a host that does not resolve", async () => {
    await expect(evi.subscribe("E_NOPE", "udp:127.0.0.1:9000")).rejects.toBeInstanceOf(EventSubscribeError);
    await expect(evi.subscribe("e_registrant_registered", "udp:127.0.0.1:9000")).rejects.toBeInstanceOf(
      EventSubscribeError,
    );
    await expect(evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1")).rejects.toBeInstanceOf(EventSubscribeError);
    await expect(evi.subscribe("E_REGISTRANT_REGISTERED", "udp:nowhere.invalid:9")).rejects.toThrow(/resolve/);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([]);
  });

  it("lasts 3600 s by default: dropped once the clock's second passes subscription + expire", async () => {
    await clock.advance(500);
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000");
    await clock.advance(3599_000);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([
      { socket: "udp:127.0.0.1:9000", expire: 3600, ttl: 1 },
    ]);
    await clock.advance(1000);
    // At exactly subscription + expire it is still kept (shown as expired) and still receives events.
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([
      { socket: "udp:127.0.0.1:9000", expire: 3600, ttl: "expired" },
    ]);
    expect(raiseRegistrantEvent(evi, key, "REGISTERED_STATE")).toBe(1);
    await clock.advance(1000);
    expect(raiseRegistrantEvent(evi, key, "REGISTERED_STATE")).toBe(0);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([]);
    expect(evi.counters.expired).toBe(1);
    expect(udp.released).toEqual([{ address: "127.0.0.1", family: 4, port: 9000 }]);
  });

  it("renews a subscription of the same socket (new expire, clock restarted) instead of adding one", async () => {
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 10);
    await clock.advance(8000);
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 20);
    await clock.advance(15_000);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([{ socket: "udp:127.0.0.1:9000", expire: 20, ttl: 5 }]);
  });

  it("expire 0 unsubscribes: the subscriber is gone once the current second is over", async () => {
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 120);
    await clock.advance(10_000);
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 0);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([
      { socket: "udp:127.0.0.1:9000", expire: 0, ttl: "expired" },
    ]);
    await clock.advance(1000);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")).toEqual([]);
    expect(evi.wanted("E_REGISTRANT_REGISTERED")).toBe(false);
  });

  it("lists subscribers newest first and keeps a connection while another subscription uses it", async () => {
    await evi.subscribe("E_REGISTRANT_REGISTERED", "tcp:127.0.0.1:8080", 5);
    await evi.subscribe("E_REGISTRANT_WRONG_CREDENTIALS", "tcp:127.0.0.1:8080", 100);
    await evi.subscribe("E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 100);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")?.map((s) => s.socket)).toEqual([
      "udp:127.0.0.1:9000",
      "tcp:127.0.0.1:8080",
    ]);
    await clock.advance(7000);
    expect(evi.subscribers("E_REGISTRANT_REGISTERED")?.map((s) => s.socket)).toEqual(["udp:127.0.0.1:9000"]);
    expect(tcp.released).toEqual([]);
  });
});
