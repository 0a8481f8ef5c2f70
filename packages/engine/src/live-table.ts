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
  /** The last {@link listed} array, until the next insert or removal. */
  #listed: readonly LiveRecord[] | undefined;

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

  /** Makes room for `records` records in all (a load that knows its row count): no index doubling on the way. */
  reserve(records: number): void {
    this.#table.reserve(records);
  }

  get(key: RegistrantKey): LiveRecord | undefined {
    return this.#table.get(key);
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket. */
  values(): Iterable<LiveRecord> {
    return this.#table.values();
  }

  /**
   * {@link values} as an array, what `reg_list` snapshots (record-snapshot.ts): one walk of the table for all the
   * readers that arrive while no record is added or removed (ten at once cost one walk of 100,000 records, not ten).
   * Never changed once returned: an insert or a removal makes the next call walk again.
   */
  listed(): readonly LiveRecord[] {
    if (this.#listed === undefined) {
      const out = new Array<LiveRecord>(this.#table.size);
      let i = 0;
      const put = (live: LiveRecord): void => {
        out[i++] = live;
      };
      for (let b = 0; b < this.#table.bucketCount; b++) this.#table.forEachInBucket(b, put);
      this.#listed = out;
    }
    return this.#listed;
  }

  /** The records of one bucket, in list order. */
  bucket(bucket: number): Iterable<LiveRecord> {
    return this.#table.bucket(bucket);
  }

  /** Calls `visit` for the records of one bucket, in list order: the walk's path (no iterator per record). */
  forEachInBucket(bucket: number, visit: (live: LiveRecord) => void): void {
    this.#table.forEachInBucket(bucket, visit);
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
    this.#listed = undefined;
    this.#metrics.added(live.record.state);
    this.#units.place(live);
    if (config.shtag !== undefined && this.#warnTagsIgnored()) this.#log.warn({}, TAGS_IGNORED_WARNING);
    return live;
  }

  /** Drops a record (if still in the table); core unregisters it if REGISTERED, its exchange is followed to the end. */
  remove(live: LiveRecord): void {
    if (!live.inTable) return;
    this.#table.remove(live.key);
    this.#listed = undefined;
    this.#metrics.removed(live.record.state);
    this.#units.drop(live, true);
    live.retire(true);
    this.#core.dispatch(live, { type: "delete" });
    live.retire(isInFlight(live.record.state));
  }
}
