/**
 * The Event Interface MI commands of the OpenSIPS core (docs/events.md §1): `event_subscribe`, `events_list` and
 * `subscribers_list`, with their 4.x `evi:` names, OpenSIPS's recipes, reply shapes and errors.
 */
import { type MiCommand, MiError, type MiParams, type MiRegistry } from "@uacreg/mi";
import { EventSubscribeError, type EventInterface, type SubscriberView } from "./event-interface.js";

/** The module `help` shows and the prefix of the 4.x names. */
export const EVI_MODULE = "evi";

/** Registers the three commands on `registry`, driving `evi`. */
export function registerEventCommands(registry: MiRegistry, evi: EventInterface): void {
  const mod = EVI_MODULE;
  const add = (c: MiCommand): void => registry.register(c);
  add({
    name: "event_subscribe",
    aliases: [`${mod}:subscribe`],
    module: mod,
    help: "subscribes an event to the Event Interface",
    recipes: [
      ["event", "socket"],
      ["event", "socket", "expire"],
    ],
    handler: async (p) => {
      const event = nonEmpty(p, "event");
      const socket = nonEmpty(p, "socket");
      const expire = p.optionalInt("expire");
      if (expire !== undefined && expire < 0) throw new MiError(-32602, "Invalid params", "Negative expire value");
      try {
        await evi.subscribe(event, socket, expire);
      } catch (e) {
        if (e instanceof EventSubscribeError) throw MiError.command(400, "Bad parameter value", e.message);
        throw e;
      }
      return "OK";
    },
  });
  add({
    name: "events_list",
    aliases: [`${mod}:list`],
    module: mod,
    help: "lists all the events advertised through the Event Interface",
    recipes: [[]],
    handler: () => ({ Events: evi.events().map((e) => ({ name: e.name, id: e.id })) }),
  });
  add({
    name: "subscribers_list",
    aliases: [`${mod}:subscribers`],
    module: mod,
    help: "lists all the Event Interface subscribers; Params: [ event [ subscriber ]]",
    recipes: [[], ["event"], ["event", "socket"]],
    handler: (p) => {
      if (!p.has("event")) {
        const events: unknown[] = [];
        for (const e of evi.events()) {
          const subs = evi.subscribers(e.name) ?? [];
          if (subs.length > 0) events.push({ name: e.name, id: e.id, Subscribers: subs.map(subscriberObject) });
        }
        return { Events: events };
      }
      const name = p.string("event");
      const event = evi.event(name);
      if (event === undefined) throw MiError.command(404, "Event not published");
      if (!p.has("socket")) {
        const subs = evi.subscribers(name) ?? [];
        // OpenSIPS prints an event only when it has subscribers: otherwise the object stays empty.
        if (subs.length === 0) return { Event: {} };
        return { Event: { name: event.name, id: event.id, Subscribers: subs.map(subscriberObject) } };
      }
      const sub = evi.subscriber(name, p.string("socket"));
      if (sub === undefined) throw MiError.command(404, "Subscriber does not exist");
      return { Event: { name: event.name, id: event.id, Subscriber: subscriberObject(sub) } };
    },
  });
}

function nonEmpty(p: MiParams, name: string): string {
  const v = p.string(name);
  if (v.length === 0) throw new MiError(-32602, "Invalid params");
  return v;
}

function subscriberObject(s: SubscriberView): unknown {
  return { socket: s.socket, expire: s.expire, ttl: s.ttl };
}
