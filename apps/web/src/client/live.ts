/**
 * The page's side of `GET /events` (docs/web-api.md): a snapshot first, then one `state` event per change and a
 * `summary` every 2 s while something changes. The browser's EventSource reconnects by itself after a dropped
 * connection (sending Last-Event-ID, so the daemon replays what was missed or sends a fresh snapshot). When the
 * daemon refuses the stream (401 after the session ended, or it is down) the EventSource gives up; then `onClosed`
 * decides (ask for a token, or try again later) and `connect()` opens a new stream, which starts with a snapshot.
 */
import type { SnapshotEvent, StateEvent, Summary } from "./types.js";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface LiveHandlers {
  snapshot(e: SnapshotEvent): void;
  state(e: StateEvent): void;
  summary(s: Summary): void;
  status(s: LiveStatus): void;
  /** The stream was refused or lost for good; called once per stream. */
  closed(): void;
}

export class LiveEvents {
  private source: EventSource | null = null;
  /** The last seq applied: a state event at or below it is already in the snapshot the page holds. */
  lastSeq = -1;

  constructor(
    private readonly url: string,
    private readonly on: LiveHandlers,
  ) {}

  connect(): void {
    this.close();
    this.on.status("connecting");
    const source = new EventSource(this.url, { withCredentials: true });
    this.source = source;
    source.onopen = () => this.on.status("live");
    source.onerror = () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        this.on.status("closed");
        this.on.closed();
      } else {
        this.on.status("reconnecting");
      }
    };
    source.addEventListener("snapshot", (m) => {
      const e = parse<SnapshotEvent>(m);
      if (e === null) return;
      this.lastSeq = e.seq;
      this.on.snapshot(e);
    });
    source.addEventListener("state", (m) => {
      const e = parse<StateEvent>(m);
      if (e === null || e.seq <= this.lastSeq) return;
      this.lastSeq = e.seq;
      this.on.state(e);
    });
    source.addEventListener("summary", (m) => {
      const e = parse<Summary | { summary: Summary }>(m);
      if (e === null) return;
      this.on.summary("summary" in e ? e.summary : e);
    });
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }
}

function parse<T>(m: Event): T | null {
  try {
    return JSON.parse((m as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}
