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

/** Every flag bit: IN_TABLE | RETIRING | the protocol | DEFERRED. */
const FLAG_COMBINATIONS = 32;

/**
 * The local socket and the flags of a record of no unit: one frozen object per (socket, flags) combination, shared by
 * every record in it (a handful of sockets × 32 combinations), so a record holds them in one field and no object of
 * its own (issue 14: 8 bytes per record at a million records; engine README "Memory per record").
 */
class SocketFlags {
  constructor(
    readonly socket: string | undefined,
    readonly flags: number,
  ) {
    Object.freeze(this);
  }
}

const NO_SOCKET: (SocketFlags | undefined)[] = new Array<SocketFlags | undefined>(FLAG_COMBINATIONS).fill(undefined);
/** Per socket string, its combinations by flags. Bounded: emptied past 256 sockets (only sharing is lost). */
const BY_SOCKET = new Map<string, (SocketFlags | undefined)[]>();
const SOCKETS = 256;

function socketFlags(socket: string | undefined, flags: number): SocketFlags {
  let list = socket === undefined ? NO_SOCKET : BY_SOCKET.get(socket);
  if (list === undefined) {
    if (BY_SOCKET.size >= SOCKETS) BY_SOCKET.clear();
    list = new Array<SocketFlags | undefined>(FLAG_COMBINATIONS).fill(undefined);
    BY_SOCKET.set(socket as string, list);
  }
  let shared = list[flags];
  if (shared === undefined) {
    shared = new SocketFlags(socket, flags);
    list[flags] = shared;
  }
  return shared;
}

/**
 * The engine's handle on one record: the current immutable core record and what only the engine knows (the local
 * socket and protocol of the last request, whether it is still in the table). It carries its own table links (a
 * {@link TableEntry}), so the table allocates nothing else per record but a slot of its key index.
 */
export class LiveRecord extends TableEntry {
  /**
   * The local socket of the last request (a string) and the flags, in a {@link SocketFlags} shared with the records of
   * the same, or, for a record of a unit, its {@link ClusterSlot} holding both: one field for all of it, since almost
   * no record has a unit (issue 14: a million records, 8 bytes a field).
   */
  #aux: SocketFlags | ClusterSlot = socketFlags(undefined, IN_TABLE);

  constructor(public record: RegistrantRecord) {
    super();
  }

  // Accessors, not `#flags`: a class with a private method or accessor keeps a brand field in each instance (8 bytes).
  private get flagBits(): number {
    return this.#aux.flags;
  }

  private set flagBits(flags: number) {
    const aux = this.#aux;
    if (aux.flags === flags) return;
    if (aux instanceof SocketFlags) this.#aux = socketFlags(aux.socket, flags);
    else aux.flags = flags;
  }

  /** Its unit of ownership and dialog mark (docs/cluster.md §4, §5); undefined for a record of no unit. */
  get cluster(): ClusterSlot | undefined {
    const aux = this.#aux;
    return aux instanceof SocketFlags ? undefined : aux;
  }

  set cluster(slot: ClusterSlot | undefined) {
    const aux = this.#aux;
    if (slot === undefined) this.#aux = aux instanceof SocketFlags ? aux : socketFlags(aux.socket, aux.flags);
    else {
      slot.socket = aux.socket;
      slot.flags = aux.flags;
      this.#aux = slot;
    }
  }

  /** The local socket (`udp:127.0.0.1:5060`) the last request left from (the sender's shared string). */
  get socket(): string | undefined {
    return this.#aux.socket;
  }

  set socket(socket: string | undefined) {
    const aux = this.#aux;
    if (aux.socket === socket) return;
    if (aux instanceof SocketFlags) this.#aux = socketFlags(socket, aux.flags);
    else aux.socket = socket;
  }

  get key(): RegistrantKey {
    return this.record.config.key;
  }

  /** Still the record of its key in the table. */
  get inTable(): boolean {
    return (this.flagBits & IN_TABLE) !== 0;
  }

  /** Removed from the table, its request in flight followed to its end (core steps it with `retiring`). */
  get retiring(): boolean {
    return (this.flagBits & RETIRING) !== 0;
  }

  /** Leaves the table; `followed` when its request in flight is still to be followed. */
  retire(followed: boolean): void {
    this.flagBits = (this.flagBits & ~(IN_TABLE | RETIRING)) | (followed ? RETIRING : 0);
  }

  /** Its due visit waits in the {@link VisitBacklog} (at most once there). */
  get deferred(): boolean {
    return (this.flagBits & DEFERRED) !== 0;
  }

  set deferred(on: boolean) {
    this.flagBits = on ? this.flagBits | DEFERRED : this.flagBits & ~DEFERRED;
  }

  /** reg_list's view: core's, with the socket the last request left from when none is forced. */
  view(): RecordView {
    const view = recordView(this.record);
    if (view.socket === undefined && this.socket !== undefined) view.socket = this.socket;
    return view;
  }

  /** The protocol the last reply came over (the pin goes back over it, docs/opensips-behaviour.md §4.3). */
  get proto(): SipProtocol | undefined {
    return PROTOCOLS[(this.flagBits & PROTO_MASK) >> PROTO_SHIFT];
  }

  set proto(proto: SipProtocol | undefined) {
    const code = proto === undefined ? 0 : PROTOCOLS.indexOf(proto);
    this.flagBits = (this.flagBits & ~PROTO_MASK) | (code << PROTO_SHIFT);
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
  /** The record's flags (table, retiring, protocol, deferred), kept here while the record has a unit. */
  flags: number;
}

/** A new slot of `unit`: no mark stored yet, nothing inherited, not queued (the record's socket and flags move in). */
export function newClusterSlot(unit: string): ClusterSlot {
  return { unit, callId: undefined, mark: 0, inherited: undefined, takeover: false, socket: undefined, flags: 0 };
}

/** The table's key function. */
export const liveKey = (live: LiveRecord): RegistrantKey => live.record.config.key;
