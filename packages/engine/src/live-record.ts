import { type RecordView, type RegistrantKey, type RegistrantRecord, recordView } from "@uacreg/core";
import { TableEntry } from "@uacreg/scheduler";
import type { SipProtocol } from "./request-sender.js";
import type { VisitBacklog } from "./visit-backlog.js";

const IN_TABLE = 1;
const RETIRING = 2;
/** Bits 2–3: the protocol of the last outcome (0 unknown), packed with the flags so a record costs no extra field. */
const PROTO_SHIFT = 2;
const PROTO_MASK = 3 << PROTO_SHIFT;
const PROTOCOLS: readonly (SipProtocol | undefined)[] = [undefined, "udp", "tcp", "tls"];
/** Bit 4: its due visit waits in the {@link VisitBacklog} for room in the in-flight bound. */
const DEFERRED = 1 << 4;

/**
 * The engine's handle on one record: the current immutable core record and what only the engine knows (the local
 * socket and protocol of the last request, whether it is still in the table). It carries its own table links (a
 * {@link TableEntry}), so the table allocates nothing else per record but a Map entry.
 */
export class LiveRecord extends TableEntry {
  /**
   * The local socket of the last request (a string), or, for a record of a unit, its {@link ClusterSlot} holding that
   * socket: one field for both, since almost no record has a unit (issue 14: a million records, 8 bytes each).
   */
  #aux: string | ClusterSlot | undefined = undefined;
  #flags = IN_TABLE;

  constructor(public record: RegistrantRecord) {
    super();
  }

  /** Its unit of ownership and dialog mark (docs/cluster.md §4, §5); undefined for a record of no unit. */
  get cluster(): ClusterSlot | undefined {
    const aux = this.#aux;
    return typeof aux === "object" ? aux : undefined;
  }

  set cluster(slot: ClusterSlot | undefined) {
    const socket = this.socket;
    if (slot === undefined) this.#aux = socket;
    else {
      slot.socket = socket;
      this.#aux = slot;
    }
  }

  /** The local socket (`udp:127.0.0.1:5060`) the last request left from (the sender's shared string). */
  get socket(): string | undefined {
    const aux = this.#aux;
    return typeof aux === "object" ? aux.socket : aux;
  }

  set socket(socket: string | undefined) {
    const aux = this.#aux;
    if (typeof aux === "object") aux.socket = socket;
    else this.#aux = socket;
  }

  get key(): RegistrantKey {
    return this.record.config.key;
  }

  /** Still the record of its key in the table. */
  get inTable(): boolean {
    return (this.#flags & IN_TABLE) !== 0;
  }

  /** Removed from the table, its request in flight followed to its end (core steps it with `retiring`). */
  get retiring(): boolean {
    return (this.#flags & RETIRING) !== 0;
  }

  /** Leaves the table; `followed` when its request in flight is still to be followed. */
  retire(followed: boolean): void {
    this.#flags = (this.#flags & ~(IN_TABLE | RETIRING)) | (followed ? RETIRING : 0);
  }

  /** Its due visit waits in the {@link VisitBacklog} (at most once there). */
  get deferred(): boolean {
    return (this.#flags & DEFERRED) !== 0;
  }

  set deferred(on: boolean) {
    this.#flags = on ? this.#flags | DEFERRED : this.#flags & ~DEFERRED;
  }

  /** reg_list's view: core's, with the socket the last request left from when none is forced. */
  view(): RecordView {
    const view = recordView(this.record);
    if (view.socket === undefined && this.socket !== undefined) view.socket = this.socket;
    return view;
  }

  /** The protocol the last reply came over (the pin goes back over it, docs/opensips-behaviour.md §4.3). */
  get proto(): SipProtocol | undefined {
    return PROTOCOLS[(this.#flags & PROTO_MASK) >> PROTO_SHIFT];
  }

  set proto(proto: SipProtocol | undefined) {
    const code = proto === undefined ? 0 : PROTOCOLS.indexOf(proto);
    this.#flags = (this.#flags & ~PROTO_MASK) | (code << PROTO_SHIFT);
  }
}

/**
 * What the engine keeps for a record that belongs to a unit of ownership (docs/cluster.md §4, §5): the unit, and the
 * registration identity last stored for it (fenced) with the highest CSeq this node may use without storing again.
 */
export interface ClusterSlot {
  unit: string;
  /** The Call-ID of the stored mark; undefined: no mark stored by this node yet (the next send stores one). */
  callId: string | undefined;
  /** The highest CSeq this node may send under `callId` (the stored `cseq_mark`). */
  mark: number;
  /** The Call-ID adopted at the last takeover, until its first REGISTER has a final answer (docs/cluster.md §4). */
  inherited: string | undefined;
  /** Waiting in the takeover queue: the walk leaves it to the queue. */
  takeover: boolean;
  /** The record's {@link LiveRecord.socket}, kept here while the record has a unit. */
  socket: string | undefined;
}

/** The table's key function. */
export const liveKey = (live: LiveRecord): RegistrantKey => live.record.config.key;
