import type { Clock, Logger } from "@uacreg/runtime";
import type { DialogMarkStore, RecordOwnership } from "./record-ownership.js";
import type { RegistrantParams } from "./registrant-params.js";
import type { RegistrantStore } from "./registrant-store.js";
import type { RequestSender } from "./request-sender.js";
import type { Rejection } from "./table-reconciler.js";

/** The outcome of a (re)load: rows taken and rows refused (each refused row was logged once, naming its key). */
export interface LoadReport {
  loaded: number;
  rejected: Rejection[];
}

/** One completed takeover (docs/cluster.md §4), for the metrics' takeover-duration figure. */
export interface TakeoverEvent {
  readonly unit: string;
  readonly epoch: number;
  /** Records of the unit handed to the takeover queue. */
  readonly records: number;
  /** ms on the engine's clock from `unitGained` to the last record's first REGISTER handed to the send path. */
  readonly durationMs: number;
}

/** Constructor options of the `RegistrantEngine`. */
export interface RegistrantEngineOptions {
  /** Sends the REGISTERs: @uacreg/transport's `SipTransport` in production (docs/contracts.md). */
  transport: RequestSender;
  /** The records' store: @uacreg/db's repository in production. Without one, records come from `upsert` only. */
  repository?: RegistrantStore;
  /** Missing fields take the OpenSIPS defaults (`DEFAULT_REGISTRANT_PARAMS`). */
  params: Partial<RegistrantParams>;
  /**
   * Sharing tags (`name/cluster_id`) active on this node at start (docs/opensips-behaviour.md §7): sugar for the
   * default ownership, a `StaticTagOwnership` over `enableClustering` and these tags. Ignored with `ownership`.
   */
  activeTags?: Iterable<string>;
  /**
   * Which records this node may register (docs/cluster.md §5, §6): units, their epochs and the send guard. Default:
   * `StaticTagOwnership` (backends `none`/`static`); the `db` backend passes an adapter over its lease member.
   */
  ownership?: RecordOwnership;
  /**
   * The dialog marks in the shared database (docs/cluster.md §4), bound to this node: with it, a takeover adopts the
   * records' Call-ID/From-tag above their stored CSeq mark, and every send past a mark stores a new one (fenced) first.
   */
  dialogs?: DialogMarkStore;
  /** Takeover REGISTER transactions per second per node (docs/cluster.md §4, default 1000). */
  takeoverRate?: number;
  /** CSeq block reserved per record at a takeover and per stored mark (docs/cluster.md §4, default 100). */
  cseqBlock?: number;
  logger?: Logger;
  /** User-Agent header of every REGISTER (core's default `uacreg/<version>` when unset). */
  userAgent?: string;
  /** The clock of the walk and of core's unix seconds (default systemClock; tests pass a VirtualClock). */
  clock?: Clock;
  /** Randomness (default node:crypto, pooled): Call-IDs, From-tags, cnonces. */
  random?: (n: number) => Uint8Array;
  /**
   * Transactions in flight at once (default 256); further sends wait in FIFO order, and a request core abandoned
   * meanwhile is not sent. 256 carry ~5,000 transactions/s at a 50 ms round trip.
   */
  maxInFlight?: number;
}
