import type { Clock, Logger } from "@uacreg/runtime";
import type { RegistrantParams } from "./registrant-params.js";
import type { RegistrantStore } from "./registrant-store.js";
import type { RequestSender } from "./request-sender.js";
import type { Rejection } from "./table-reconciler.js";

/** The outcome of a (re)load: rows taken and rows refused (each refused row was logged once, naming its key). */
export interface LoadReport {
  loaded: number;
  rejected: Rejection[];
}

/** Constructor options of the `RegistrantEngine`. */
export interface RegistrantEngineOptions {
  /** Sends the REGISTERs: @uacreg/transport's `SipTransport` in production (docs/contracts.md). */
  transport: RequestSender;
  /** The records' store: @uacreg/db's repository in production. Without one, records come from `upsert` only. */
  repository?: RegistrantStore;
  /** Missing fields take the OpenSIPS defaults (`DEFAULT_REGISTRANT_PARAMS`). */
  params: Partial<RegistrantParams>;
  /** Sharing tags (`name/cluster_id`) active on this node at start (docs/opensips-behaviour.md §7). */
  activeTags?: Iterable<string>;
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
