/**
 * Reads a registrar's REGISTER log (`@uacreg/demo-registrar`'s `registerLog`) and says whether a cluster kept its
 * promises (docs/cluster.md §1 "No double registration", §3.7 failover time, §4 the Call-ID/CSeq rule): pure, no I/O,
 * so its unit tests feed it hand-made logs.
 *
 * A **record** is one binding at the registrar: its AOR and Contact URI (`recordKey`). A REGISTER with several
 * Contacts touches several records.
 */
import type { RegisterLogEntry } from "@uacreg/demo-registrar";

/** The key of a record in the checker's input and output: `<aor> <contact URI>`. */
export function recordKey(aor: string, contact: string): string {
  return `${aor} ${contact}`;
}

/** From this instant on (`at`, the log's clock), `owner` alone may change the record's binding. */
export interface Takeover {
  record: string;
  at: number;
  owner: string;
}

/** An event after which records must be REGISTERED again (a node killed, stopped, cut from the database). */
export interface ReRegistrationEvent {
  /** The event's instant, on the log's clock (wall ms for the demo registrar). */
  at: number;
  /** Every listed record must see an accepted REGISTER within `deadlineMs` after `at`. */
  deadlineMs: number;
  /** The records that must come back. Default: those whose last accepted REGISTER up to `at` came from `node`, or,
   * without `node`, every record with an accepted REGISTER up to `at`. "Up to" includes `at`'s own ms: the log is in
   * whole ms, and a test takes `at` just after it saw the last registration, often in the same ms. */
  records?: readonly string[];
  /** The node the event hit (e.g. the one killed). */
  node?: string;
  /** Only REGISTERs from these nodes count as the re-registration (e.g. the survivors). Default: any node. */
  byNodes?: readonly string[];
}

export interface TakeoverCheckInput {
  entries: readonly RegisterLogEntry[];
  /** Source → node name; keys are `address` or `address:port` (`address:port` wins). Unknown sources are reported
   * under their `address:port`. */
  nodeOf: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Ownership changes, any order; a record's owner at an instant is its latest takeover at or before it. Records
   * without a takeover before an entry are not checked for (a). */
  takeovers?: readonly Takeover[];
  event?: ReRegistrationEvent;
}

/** What went wrong, one per offending REGISTER or record. */
export type TakeoverViolation =
  /** (a) After the record's takeover, a REGISTER from a node other than its owner changed the binding. */
  | {
      kind: "non-owner-accepted";
      record: string;
      node: string;
      owner: string;
      takeoverAt: number;
      entry: RegisterLogEntry;
    }
  /** (b) An accepted REGISTER moved the binding's (Call-ID, CSeq) backwards: the same Call-ID with a CSeq not above
   * the last accepted one, or a Call-ID the binding had already left. */
  | {
      kind: "went-backwards";
      record: string;
      node: string;
      previous: { callId: string; cseq: number };
      entry: RegisterLogEntry;
    }
  /** (c) No accepted REGISTER within the deadline after the event (`afterMs` is when it came, if it came later). */
  | { kind: "not-re-registered"; record: string; deadlineMs: number; afterMs?: number };

export interface TakeoverCheckReport {
  violations: TakeoverViolation[];
  /** REGISTERs from a node that did not own the record (after its takeover), accepted or not: the "REGISTERs that
   * reached the registrar from a node after it lost a record" of issue 11. */
  nonOwnerRegisters: number;
  /** Per record of the event: ms from the event to its first accepted REGISTER after it (undefined: none). */
  reRegisteredAfterMs: Map<string, number | undefined>;
  /** Median and max of `reRegisteredAfterMs` over the records that came back; `missing` counts the others. */
  failover?: { count: number; missing: number; medianMs: number; maxMs: number };
}

/** Checks (a) non-owner changes after a takeover, (b) bindings going backwards, (c) the re-registration deadline. */
export function checkTakeover(input: TakeoverCheckInput): TakeoverCheckReport {
  const nodeOf = input.nodeOf instanceof Map ? input.nodeOf : new Map(Object.entries(input.nodeOf));
  const node = (source: string) => nodeOf.get(source) ?? nodeOf.get(hostOf(source)) ?? source;
  const takeovers = new Map<string, Takeover[]>();
  for (const t of input.takeovers ?? []) {
    const list = takeovers.get(t.record) ?? [];
    list.push(t);
    takeovers.set(t.record, list);
  }
  for (const list of takeovers.values()) list.sort((a, b) => a.at - b.at);
  const ownerAt = (record: string, at: number): Takeover | undefined => {
    let current: Takeover | undefined;
    for (const t of takeovers.get(record) ?? []) {
      if (t.at > at) break;
      current = t;
    }
    return current;
  };

  const violations: TakeoverViolation[] = [];
  let nonOwnerRegisters = 0;
  const last = new Map<string, { callId: string; cseq: number }>();
  const leftCallIds = new Map<string, Set<string>>();
  const lastAcceptedBy = new Map<string, { node: string; at: number }>();
  const firstAfterEvent = new Map<string, number>();
  const event = input.event;
  const counts = (from: string) => !event?.byNodes || event.byNodes.includes(from);

  const entries = [...input.entries].sort((a, b) => a.at - b.at);
  for (const entry of entries) {
    if (entry.retransmission) continue;
    const from = node(entry.source);
    const accepted = entry.status >= 200 && entry.status < 300 && entry.changed;
    for (const contact of entry.contacts) {
      const record = recordKey(entry.aor, contact.uri);
      const owner = ownerAt(record, entry.at);
      if (owner && owner.owner !== from) {
        nonOwnerRegisters++;
        if (accepted) {
          violations.push({
            kind: "non-owner-accepted",
            record,
            node: from,
            owner: owner.owner,
            takeoverAt: owner.at,
            entry,
          });
        }
      }
      if (!accepted) continue;
      const previous = last.get(record);
      const left = leftCallIds.get(record) ?? new Set<string>();
      if (previous && ((previous.callId === entry.callId && entry.cseq <= previous.cseq) || left.has(entry.callId))) {
        violations.push({ kind: "went-backwards", record, node: from, previous, entry });
      }
      if (previous && previous.callId !== entry.callId) left.add(previous.callId);
      leftCallIds.set(record, left);
      last.set(record, { callId: entry.callId, cseq: entry.cseq });
      if (event && entry.at <= event.at) lastAcceptedBy.set(record, { node: from, at: entry.at });
      if (event && entry.at >= event.at && counts(from) && !firstAfterEvent.has(record)) {
        firstAfterEvent.set(record, entry.at - event.at);
      }
    }
  }

  const reRegisteredAfterMs = new Map<string, number | undefined>();
  if (!event) return { violations, nonOwnerRegisters, reRegisteredAfterMs };
  const records =
    event.records ??
    [...lastAcceptedBy].filter(([, v]) => event.node === undefined || v.node === event.node).map(([k]) => k);
  const times: number[] = [];
  for (const record of records) {
    const after = firstAfterEvent.get(record);
    reRegisteredAfterMs.set(record, after);
    if (after !== undefined) times.push(after);
    if (after === undefined || after > event.deadlineMs) {
      violations.push({
        kind: "not-re-registered",
        record,
        deadlineMs: event.deadlineMs,
        ...(after !== undefined ? { afterMs: after } : {}),
      });
    }
  }
  times.sort((a, b) => a - b);
  const failover =
    times.length === 0
      ? undefined
      : {
          count: times.length,
          missing: records.length - times.length,
          medianMs: median(times),
          maxMs: times[times.length - 1] ?? 0,
        };
  return { violations, nonOwnerRegisters, reRegisteredAfterMs, ...(failover ? { failover } : {}) };
}

/** The address part of `address:port` (IPv4, or `[v6]:port`). */
function hostOf(source: string): string {
  const colon = source.lastIndexOf(":");
  const host = colon < 0 ? source : source.slice(0, colon);
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}
