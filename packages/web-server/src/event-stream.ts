/**
 * `GET /events` (docs/web-api.md §6): Server-Sent Events (WHATWG HTML §9.2) of the records' state changes.
 *
 * - Every change gets a sequence number; its frame is serialised once, when a client needs it, and shared by every
 *   client (with nobody connected a change costs one reference in the ring: every refresh is two changes). The last
 *   `retain` changes are kept so a client reconnecting with `Last-Event-ID` inside that window gets exactly what it
 *   missed; outside it (or from an earlier process: sequence numbers start from the start time) it gets a snapshot.
 * - Changes are written once per event-loop turn (`setImmediate`): 100,000 records changing state at start-up make
 *   one write per client per turn, not one per change.
 * - A slow client (its socket buffer above `highWaterBytes`) gets nothing more until it drains; then it gets a fresh
 *   snapshot with `"resync": true`. Memory per client is bounded by the buffer mark plus one turn's frames. A client
 *   that does not drain within `stallMs` is closed.
 * - `summary` every `summaryMs` when it changed; a `: keep-alive` comment every `keepAliveMs`. Timers run on the
 *   {@link Clock} and only while clients are connected.
 */
import type { ServerResponse } from "node:http";
import type { Clock, TimerHandle } from "@uacreg/runtime";
import { recordId } from "./record-id.js";
import type { StateChange } from "./record-source.js";
import type { StatusSummary } from "./status-summary.js";

export interface EventStreamOptions {
  clock: Clock;
  summary: () => StatusSummary;
  /** Frames kept for `Last-Event-ID` replay (default 10,000). */
  retain?: number;
  summaryMs?: number;
  keepAliveMs?: number;
  /** A client whose socket holds more than this many bytes unsent is behind (default 256 KiB). */
  highWaterBytes?: number;
  /** A client behind for this long is closed (default 60 s). */
  stallMs?: number;
  /** Asks the client to wait this long before reconnecting (the `retry:` field). */
  retryMs?: number;
}

interface Client {
  readonly res: ServerResponse;
  /** Monotonic ms since when it is behind, or -1. */
  behindSince: number;
}

/** Counters of the stream (tests and the benchmark read them). */
export interface EventStreamCounters {
  clients: number;
  events: number;
  writes: number;
  resyncs: number;
  closedSlow: number;
}

export class EventStream {
  readonly #clock: Clock;
  readonly #summary: () => StatusSummary;
  readonly #retain: number;
  readonly #summaryMs: number;
  readonly #keepAliveMs: number;
  readonly #highWater: number;
  readonly #stallMs: number;
  readonly #retryMs: number;
  readonly #clients = new Set<Client>();
  /** Ring of the last changes (oldest at #ringStart once full) and their frames, made when first needed. */
  readonly #ring: StateChange[] = [];
  readonly #frames: Array<string | undefined> = [];
  #ringStart = 0;
  /** The sequence number of the last change (the first change gets start + 1). */
  #seq: number;
  #pending: string[] = [];
  #flushQueued = false;
  #lastSummary = "";
  #summaryTimer: TimerHandle | undefined;
  #keepAliveTimer: TimerHandle | undefined;
  #closed = false;
  readonly counters: EventStreamCounters = { clients: 0, events: 0, writes: 0, resyncs: 0, closedSlow: 0 };

  constructor(o: EventStreamOptions) {
    this.#clock = o.clock;
    this.#summary = o.summary;
    this.#retain = Math.max(1, o.retain ?? 10_000);
    this.#summaryMs = o.summaryMs ?? 2000;
    this.#keepAliveMs = o.keepAliveMs ?? 15_000;
    this.#highWater = o.highWaterBytes ?? 256 * 1024;
    this.#stallMs = o.stallMs ?? 60_000;
    this.#retryMs = o.retryMs ?? 2000;
    // Ids of an earlier process are below this one's (1,000 changes per ms of uptime before they could meet).
    this.#seq = Math.floor(o.clock.wallNow()) * 1000;
  }

  /** The sequence number of the last change published. */
  get seq(): number {
    return this.#seq;
  }

  /** Records a state change and queues it for every client (written at the end of this event-loop turn). */
  publish(e: StateChange): void {
    const seq = ++this.#seq;
    let slot: number;
    if (this.#ring.length < this.#retain) {
      slot = this.#ring.length;
      this.#ring.push(e);
      this.#frames.push(undefined);
    } else {
      slot = this.#ringStart;
      this.#ring[slot] = e;
      this.#frames[slot] = undefined;
      this.#ringStart = (this.#ringStart + 1) % this.#retain;
    }
    this.counters.events++;
    if (this.#clients.size === 0) return;
    const frame = stateFrame(seq, e);
    this.#frames[slot] = frame;
    this.#pending.push(frame);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Starts the stream on `res` (headers not yet sent). With a `Last-Event-ID` inside the retained window the missed
   * changes are replayed; otherwise a snapshot comes first.
   */
  attach(res: ServerResponse, lastEventId: string | undefined): void {
    if (this.#closed) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.socket?.setNoDelay(true);
    const client: Client = { res, behindSince: -1 };
    this.#clients.add(client);
    this.counters.clients = this.#clients.size;
    res.on("close", () => this.#drop(client));
    res.on("drain", () => {
      if (client.behindSince >= 0) this.#resync(client);
    });
    const replay = this.#replayAfter(lastEventId);
    // Changes queued for this turn are included in the snapshot's counts or the replay; not sent again.
    const head = `retry: ${this.#retryMs}\n\n`;
    if (replay !== undefined) this.#write(client, head + replay.join(""));
    else this.#write(client, head + this.#snapshotFrame(false));
    this.#arm();
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.#closed = true;
    this.#summaryTimer?.cancel();
    this.#keepAliveTimer?.cancel();
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
    this.counters.clients = 0;
  }

  /** The frames after `lastEventId`, or undefined when it is not inside the retained window. */
  #replayAfter(lastEventId: string | undefined): string[] | undefined {
    if (lastEventId === undefined || !/^\d{1,16}$/.test(lastEventId)) return undefined;
    const last = Number(lastEventId);
    // Frames pending for this turn are not written yet: the replay ends where the flush begins.
    const end = this.#seq - this.#pending.length;
    const oldest = this.#seq - this.#ring.length + 1;
    if (last > end || last < oldest - 1) return undefined;
    const out: string[] = [];
    for (let s = last + 1; s <= end; s++) out.push(this.#frameOf(s, oldest));
    return out;
  }

  #frameOf(seq: number, oldest: number): string {
    const slot = (this.#ringStart + (seq - oldest)) % this.#ring.length;
    let frame = this.#frames[slot];
    if (frame === undefined) {
      frame = stateFrame(seq, this.#ring[slot] as StateChange);
      this.#frames[slot] = frame;
    }
    return frame;
  }

  #snapshotFrame(resync: boolean): string {
    const seq = this.#seq - this.#pending.length;
    const data = JSON.stringify({ seq, ...(resync ? { resync: true } : {}), summary: this.#summary() });
    return `event: snapshot\nid: ${seq}\ndata: ${data}\n\n`;
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.join("");
    this.#pending = [];
    for (const c of this.#clients) {
      if (c.behindSince >= 0) continue;
      this.#write(c, batch);
    }
  }

  #write(c: Client, text: string): void {
    if (c.res.destroyed || c.res.writableEnded) return;
    c.res.write(text);
    this.counters.writes++;
    if (c.res.writableLength > this.#highWater && c.behindSince < 0) c.behindSince = this.#clock.now();
  }

  /** A client that caught up: a snapshot instead of what it missed. */
  #resync(c: Client): void {
    c.behindSince = -1;
    this.counters.resyncs++;
    this.#write(c, this.#snapshotFrame(true));
  }

  #drop(c: Client): void {
    this.#clients.delete(c);
    this.counters.clients = this.#clients.size;
    if (this.#clients.size === 0) {
      this.#summaryTimer?.cancel();
      this.#summaryTimer = undefined;
      this.#keepAliveTimer?.cancel();
      this.#keepAliveTimer = undefined;
    }
  }

  #arm(): void {
    if (this.#summaryTimer === undefined) {
      this.#lastSummary = "";
      const tick = (): void => {
        this.#summaryTimer = this.#clock.setTimer(this.#summaryMs, tick);
        this.#summaryTick();
      };
      this.#summaryTimer = this.#clock.setTimer(this.#summaryMs, tick);
    }
    if (this.#keepAliveTimer === undefined) {
      const tick = (): void => {
        this.#keepAliveTimer = this.#clock.setTimer(this.#keepAliveMs, tick);
        for (const c of this.#clients) if (c.behindSince < 0) this.#write(c, ": keep-alive\n\n");
      };
      this.#keepAliveTimer = this.#clock.setTimer(this.#keepAliveMs, tick);
    }
  }

  #summaryTick(): void {
    const now = this.#clock.now();
    for (const c of this.#clients) {
      if (c.behindSince >= 0 && now - c.behindSince >= this.#stallMs) {
        this.counters.closedSlow++;
        c.res.destroy();
        this.#drop(c);
      }
    }
    if (this.#clients.size === 0) return;
    const summary = this.#summary();
    const compare = JSON.stringify({ ...summary, now: 0 });
    if (compare === this.#lastSummary) return;
    this.#lastSummary = compare;
    // Written after this turn's changes so a client never sees counts ahead of the changes that made them.
    this.#flush();
    const seq = this.#seq;
    const frame = `event: summary\nid: ${seq}\ndata: ${JSON.stringify({ seq, summary })}\n\n`;
    for (const c of this.#clients) if (c.behindSince < 0) this.#write(c, frame);
  }
}

/** The `state` frame of change `seq` (docs/web-api.md §6). */
function stateFrame(seq: number, e: StateChange): string {
  const data = JSON.stringify({
    seq,
    id: recordId(e.key),
    key: { aor: e.key.aor, contact: e.key.contact, registrar: e.key.registrar },
    from: e.from,
    to: e.to,
    reason: e.reason,
    at: e.at,
  });
  return `event: state\nid: ${seq}\ndata: ${data}\n\n`;
}
