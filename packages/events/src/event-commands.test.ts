import { MiError, MiRegistry } from "@uacreg/mi";
import { VirtualClock } from "@uacreg/runtime/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { registerEventCommands } from "./event-commands.js";
import { EventInterface } from "./event-interface.js";
import { emptySenderCounters, type EventSender } from "./event-sender.js";
import { publishRegistrantEvents } from "./registrant-events.js";

const quiet = (): EventSender => ({
  counters: emptySenderCounters(),
  send: () => {},
  release: () => {},
  close: async () => {},
});

let clock: VirtualClock;
let registry: MiRegistry;

beforeEach(() => {
  clock = new VirtualClock();
  const evi = new EventInterface({ clock, senders: { udp: quiet(), tcp: quiet() } });
  publishRegistrantEvents(evi);
  registry = new MiRegistry();
  registerEventCommands(registry, evi);
});

async function error(method: string, params?: Record<string, unknown> | unknown[]): Promise<MiError> {
  const e = await registry.call(method, params).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof MiError)) throw new Error(`${method} did not fail with an MiError`);
  return e;
}

describe("event_subscribe", () => {
  it("answers OK with (event, socket) and (event, socket, expire), under evi:subscribe too", async () => {
    expect(await registry.call("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000"])).toBe("OK");
    expect(
      await registry.call("evi:subscribe", { event: "E_REGISTRANT_REGISTERED", socket: "tcp:127.0.0.1:1", expire: 60 }),
    ).toBe("OK");
    expect(await registry.call("subscribers_list", ["E_REGISTRANT_REGISTERED"])).toEqual({
      Event: {
        name: "E_REGISTRANT_REGISTERED",
        id: 2,
        Subscribers: [
          { socket: "tcp:127.0.0.1:1", expire: 60, ttl: 60 },
          { socket: "udp:127.0.0.1:9000", expire: 3600, ttl: 3600 },
        ],
      },
    });
  });

  it("answers 400 Bad parameter value for an unknown event or a bad socket, -32602 for a negative expire", async () => {
    const unknown = await error("event_subscribe", ["E_NOPE", "udp:127.0.0.1:9000"]);
    expect([unknown.code, unknown.message]).toEqual([400, "Bad parameter value"]);
    const socket = await error("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1"]);
    expect([socket.code, socket.message]).toEqual([400, "Bad parameter value"]);
    const negative = await error("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9", -1]);
    expect([negative.code, negative.message, negative.data]).toEqual([
      -32602,
      "Invalid params",
      "Negative expire value",
    ]);
    expect((await error("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9", "soon"])).data).toBe(
      "Bad type for parameter 'expire'",
    );
    expect(await registry.call("subscribers_list")).toEqual({ Events: [] });
  });
});

describe("events_list and subscribers_list", () => {
  it("lists every published event as {name, id}", async () => {
    const { Events } = (await registry.call("events_list")) as { Events: { name: string; id: number }[] };
    expect(Events[0]).toEqual({ name: "E_REGISTRANT_REGISTERING", id: 0 });
    expect(Events).toHaveLength(9);
    expect(await registry.call("evi:list")).toEqual({ Events });
  });

  it("lists only the events that have subscribers, each with its Subscribers", async () => {
    await registry.call("event_subscribe", ["E_REGISTRANT_WRONG_CREDENTIALS", "stream:127.0.0.1:7000", 30]);
    await clock.advance(10_000);
    expect(await registry.call("evi:subscribers")).toEqual({
      Events: [
        {
          name: "E_REGISTRANT_WRONG_CREDENTIALS",
          id: 5,
          Subscribers: [{ socket: "tcp:127.0.0.1:7000", expire: 30, ttl: 20 }],
        },
      ],
    });
  });

  it("shows one subscriber, an empty Event for an event without any, and the 404s", async () => {
    await registry.call("event_subscribe", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000", 5]);
    expect(await registry.call("subscribers_list", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000"])).toEqual({
      Event: {
        name: "E_REGISTRANT_REGISTERED",
        id: 2,
        Subscriber: { socket: "udp:127.0.0.1:9000", expire: 5, ttl: 5 },
      },
    });
    expect(await registry.call("subscribers_list", ["E_REGISTRANT_REGISTERING"])).toEqual({ Event: {} });
    const noEvent = await error("subscribers_list", ["E_NOPE"]);
    expect([noEvent.code, noEvent.message]).toEqual([404, "Event not published"]);
    const noSub = await error("subscribers_list", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9001"]);
    expect([noSub.code, noSub.message]).toEqual([404, "Subscriber does not exist"]);
    await clock.advance(6000);
    expect((await error("subscribers_list", ["E_REGISTRANT_REGISTERED", "udp:127.0.0.1:9000"])).code).toBe(404);
  });
});
