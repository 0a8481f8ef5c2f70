import { createRecord, isInFlight, type RegistrantConfig, type RegistrantKey } from "@uacreg/core";
import { TAGS_IGNORED_WARNING } from "@uacreg/cluster";
import type { Logger } from "@uacreg/runtime";
import { LinkedRegistrantTable } from "@uacreg/scheduler";
import type { EngineMetrics } from "./engine-metrics.js";
import { LiveRecord, liveKey } from "./live-record.js";
import type { RecordDispatcher } from "./record-dispatcher.js";
import { type Rejection, rejectionLine } from "./table-reconciler.js";
import type { UnitIndex } from "./unit-index.js";

/**
 * The record table (on @uacreg/scheduler's {@link LinkedRegistrantTable}: buckets in `core_hash(AOR)` order,
 * docs/opensips-behaviour.md §2.3) and every change made to it: insert, reload (handed to core), remove (core
 * unregisters, the exchange is followed outside the table), with the per-state counts kept in step.
 */
export class LiveTable {
  readonly #table: LinkedRegistrantTable<LiveRecord>;
  readonly #core: RecordDispatcher;
  readonly #metrics: EngineMetrics;
  readonly #warnTagsIgnored: () => boolean;
  readonly #units: UnitIndex;
  readonly #log: Logger;

  /** `warnTagsIgnored`: whether the "tags ignored" warning is due (once, when clustering is off). */
  constructor(
    hashSize: number,
    core: RecordDispatcher,
    metrics: EngineMetrics,
    units: UnitIndex,
    warnTagsIgnored: () => boolean,
    log: Logger,
  ) {
    this.#table = new LinkedRegistrantTable<LiveRecord>(hashSize, liveKey);
    this.#core = core;
    this.#metrics = metrics;
    this.#units = units;
    this.#warnTagsIgnored = warnTagsIgnored;
    this.#log = log;
  }

  get size(): number {
    return this.#table.size;
  }

  get(key: RegistrantKey): LiveRecord | undefined {
    return this.#table.get(key);
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket. */
  values(): Iterable<LiveRecord> {
    return this.#table.values();
  }

  /** The records of one bucket, in list order. */
  bucket(bucket: number): Iterable<LiveRecord> {
    return this.#table.bucket(bucket);
  }

  /** Counts and logs a refused row, once, naming its key (never its password). */
  refused(r: Rejection): void {
    this.#metrics.counters.rowsRejected++;
    this.#log.error({ key: r.key, field: r.field }, rejectionLine(r));
  }

  /** Inserts a record for a new key, or hands core the reloaded row of `existing`; returns the record. */
  apply(config: RegistrantConfig, existing: LiveRecord | undefined): LiveRecord {
    if (existing !== undefined) {
      this.#core.dispatch(existing, { type: "reload", config });
      this.#units.place(existing); // a changed cluster_shtag moves it to another unit
      return existing;
    }
    const live = new LiveRecord(createRecord(config, this.#core.ctx.random));
    this.#table.insert(live);
    this.#metrics.added(live.record.state);
    this.#units.place(live);
    if (config.shtag !== undefined && this.#warnTagsIgnored()) this.#log.warn({}, TAGS_IGNORED_WARNING);
    return live;
  }

  /** Drops a record (if still in the table); core unregisters it if REGISTERED, its exchange is followed to the end. */
  remove(live: LiveRecord): void {
    if (!live.inTable) return;
    this.#table.remove(live.key);
    this.#metrics.removed(live.record.state);
    this.#units.drop(live, true);
    live.retire(true);
    this.#core.dispatch(live, { type: "delete" });
    live.retire(isInFlight(live.record.state));
  }
}
