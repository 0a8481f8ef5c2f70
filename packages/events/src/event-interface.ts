/**
 * OpenSIPS's Event Interface as uacreg needs it (docs/events.md §1, §2): published events, subscribers added over
 * the MI with an expiry, and each raised event sent to every live subscriber of it as a JSON-RPC notification, over
 * UDP (`udp:`) or TCP (`tcp:` / `stream:`).
 *
 * Expiry is OpenSIPS's: a subscription made (or renewed) at second S with `expire` E is dropped once the clock's
 * second is past S + E, checked when the event is raised and when subscribers are listed; there is no timer. So
 * `expire` 0 keeps a subscriber until the end of the current second, which is how a subscriber unsubscribes.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type Clock, type Logger, SILENT_LOGGER } from "@uacreg/runtime";
import { DatagramSender } from "./datagram-sender.js";
import { type EventParams, eventPayload } from "./event-payload.js";
import type { EventSender, ResolvedTarget } from "./event-sender.js";
import { StreamSender } from "./stream-sender.js";
import {
  type EventTransportName,
  parseSubscriberSocket,
  printSubscriberSocket,
  type SubscriberSocket,
  sameSubscriber,
  SubscriberSocketError,
} from "./subscriber-socket.js";

/** `event_subscribe` without `expire`: one hour, as OpenSIPS. */
export const DEFAULT_SUBSCRIPTION_EXPIRE = 3600;

/** Resolves a subscriber's host name to one address. */
export type HostResolver = (host: string) => Promise<{ address: string; family: 4 | 6 }>;

export interface EventInterfaceOptions {
  readonly clock: Clock;
  /** Default: the system resolver (`dns.lookup`), first address. */
  readonly resolve?: HostResolver;
  /** Default: a {@link DatagramSender} and a {@link StreamSender} on the clock. */
  readonly senders?: Readonly<Record<EventTransportName, EventSender>>;
  readonly logger?: Logger;
}

/** Why `event_subscribe` was refused (the MI answers 400 "Bad parameter value" for all, as OpenSIPS). */
export class EventSubscribeError extends Error {
  override readonly name = "EventSubscribeError";
}

/** A subscriber as `subscribers_list` shows it. */
export interface SubscriberView {
  /** `udp:host:port` or `tcp:host:port[/method]`. */
  readonly socket: string;
  /** Seconds the subscription lasts from its last renewal. */
  readonly expire: number;
  /** Seconds left, or "expired" once none are (until the subscriber is dropped). */
  readonly ttl: number | "expired";
}

/** A published event with its live subscribers, newest first. */
export interface EventView {
  readonly name: string;
  readonly id: number;
}

interface Subscription {
  readonly socket: SubscriberSocket;
  readonly target: ResolvedTarget;
  expire: number;
  /** Clock second of the subscription or its last renewal. */
  since: number;
}

interface PublishedEvent {
  readonly name: string;
  readonly id: number;
  subscribers: Subscription[];
}

/** Counters of the interface (the senders keep their own). */
export interface EventCounters {
  /** Events raised that had at least one subscriber. */
  raised: number;
  /** Notifications handed to a sender (one per subscriber per event). */
  notifications: number;
  /** Subscriptions dropped because they expired. */
  expired: number;
  /** Notifications a sender failed to take (it threw). */
  failures: number;
}

/** The system resolver, IPv4 first: OpenSIPS's event senders are IPv4, and `localhost` must reach a 127.0.0.1 listener. */
const systemResolve: HostResolver = async (host) => {
  const r = await lookup(host, { order: "ipv4first" });
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
};

export class EventInterface {
  readonly counters: EventCounters = { raised: 0, notifications: 0, expired: 0, failures: 0 };
  readonly senders: Readonly<Record<EventTransportName, EventSender>>;
  readonly #events: PublishedEvent[] = [];
  readonly #byName = new Map<string, PublishedEvent>();
  readonly #clock: Clock;
  readonly #resolve: HostResolver;
  readonly #log: Logger;

  constructor(options: EventInterfaceOptions) {
    this.#clock = options.clock;
    this.#resolve = options.resolve ?? systemResolve;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.senders = options.senders ?? {
      udp: new DatagramSender(this.#log),
      tcp: new StreamSender({ clock: this.#clock, logger: this.#log }),
    };
  }

  /** Publishes an event (ids count from 0 in publishing order); publishing a name again returns its id. */
  publish(name: string): number {
    const known = this.#byName.get(name);
    if (known !== undefined) return known.id;
    const event: PublishedEvent = { name, id: this.#events.length, subscribers: [] };
    this.#events.push(event);
    this.#byName.set(name, event);
    return event.id;
  }

  /** Every published event, in id order (`events_list`). */
  events(): readonly EventView[] {
    return this.#events.map((e) => ({ name: e.name, id: e.id }));
  }

  /** The published event of that exact name (names are case-sensitive, as OpenSIPS's). */
  event(name: string): EventView | undefined {
    const e = this.#byName.get(name);
    return e === undefined ? undefined : { name: e.name, id: e.id };
  }

  /** Whether raising the event would send anything (OpenSIPS's `evi_probe_event`): callers skip building params. */
  wanted(name: string): boolean {
    return (this.#byName.get(name)?.subscribers.length ?? 0) > 0;
  }

  /**
   * Adds a subscriber, or renews one with the same socket (its clock restarts and its expire becomes `expire`).
   * Resolves the host first. Throws {@link EventSubscribeError} for an unknown event, a bad socket or a host that
   * does not resolve.
   */
  async subscribe(eventName: string, socketText: string, expire = DEFAULT_SUBSCRIPTION_EXPIRE): Promise<void> {
    const event = this.#byName.get(eventName);
    if (event === undefined) throw new EventSubscribeError(`invalid event name <${eventName}>`);
    let socket: SubscriberSocket;
    try {
      socket = parseSubscriberSocket(socketText);
    } catch (e) {
      if (e instanceof SubscriberSocketError) throw new EventSubscribeError(e.message);
      throw e;
    }
    const target = await this.#target(socket);
    const now = this.#second();
    const existing = event.subscribers.find((s) => sameSubscriber(s.socket, socket));
    if (existing !== undefined) {
      existing.since = now;
      existing.expire = expire;
      return;
    }
    event.subscribers = [{ socket, target, expire, since: now }, ...event.subscribers];
    this.#log.info({ event: eventName, socket: printSubscriberSocket(socket), expire }, "event subscriber added");
  }

  /**
   * Sends the event to each of its live subscribers, dropping the expired ones first. Returns how many it was sent
   * to. Never throws and never waits.
   */
  raise(eventName: string, params?: EventParams): number {
    const event = this.#byName.get(eventName);
    if (event === undefined || event.subscribers.length === 0) return 0;
    this.#dropExpired(event);
    if (event.subscribers.length === 0) return 0;
    this.counters.raised++;
    // One payload for every subscriber that takes the event's own name as method (the common case).
    const plain = eventPayload(eventName, params);
    for (const s of event.subscribers) {
      const method = s.socket.method;
      const payload = method === undefined ? plain : eventPayload(method, params);
      try {
        this.senders[s.socket.transport].send(s.target, payload);
        this.counters.notifications++;
      } catch (e) {
        // A sender never throws by contract; if one does, the engine's state change still completes.
        this.counters.failures++;
        this.#log.warn({ event: eventName, err: e instanceof Error ? e.message : String(e) }, "event not sent");
      }
    }
    return event.subscribers.length;
  }

  /** The live subscribers of an event, newest first (expired ones dropped first); undefined for an unknown event. */
  subscribers(eventName: string): readonly SubscriberView[] | undefined {
    const event = this.#byName.get(eventName);
    if (event === undefined) return undefined;
    this.#dropExpired(event);
    const now = this.#second();
    return event.subscribers.map((s) => view(s, now));
  }

  /**
   * One subscriber of an event, found by its socket as `event_subscribe` took it; undefined when there is none
   * (or the socket does not parse).
   */
  subscriber(eventName: string, socketText: string): SubscriberView | undefined {
    const event = this.#byName.get(eventName);
    if (event === undefined) return undefined;
    this.#dropExpired(event);
    let socket: SubscriberSocket;
    try {
      socket = parseSubscriberSocket(socketText);
    } catch {
      return undefined;
    }
    const s = event.subscribers.find((x) => sameSubscriber(x.socket, socket));
    return s === undefined ? undefined : view(s, this.#second());
  }

  /** Closes the senders' sockets and connections; nothing is sent after. */
  async close(): Promise<void> {
    for (const e of this.#events) e.subscribers = [];
    await Promise.all([this.senders.udp.close(), this.senders.tcp.close()]);
  }

  #second(): number {
    return Math.floor(this.#clock.now() / 1000);
  }

  #dropExpired(event: PublishedEvent): void {
    const now = this.#second();
    const expired = event.subscribers.filter((s) => s.since + s.expire < now);
    if (expired.length === 0) return;
    event.subscribers = event.subscribers.filter((s) => !expired.includes(s));
    for (const s of expired) {
      this.counters.expired++;
      this.#log.info({ event: event.name, socket: printSubscriberSocket(s.socket) }, "event subscriber expired");
      if (!this.#targetInUse(s)) this.senders[s.socket.transport].release(s.target);
    }
  }

  #targetInUse(gone: Subscription): boolean {
    return this.#events.some((e) =>
      e.subscribers.some(
        (s) =>
          s.socket.transport === gone.socket.transport &&
          s.target.address === gone.target.address &&
          s.target.port === gone.target.port,
      ),
    );
  }

  async #target(socket: SubscriberSocket): Promise<ResolvedTarget> {
    const literal = isIP(socket.host);
    if (literal !== 0) return { address: socket.host, family: literal === 6 ? 6 : 4, port: socket.port };
    try {
      const r = await this.#resolve(socket.host);
      return { address: r.address, family: r.family, port: socket.port };
    } catch (e) {
      throw new EventSubscribeError(
        `cannot resolve host ${socket.host}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
}

function view(s: Subscription, now: number): SubscriberView {
  const left = s.expire - (now - s.since);
  return { socket: printSubscriberSocket(s.socket), expire: s.expire, ttl: left > 0 ? left : "expired" };
}
