import {
  formatKey,
  keyIdentity,
  type RecordView,
  type RegistrantEvent,
  type RegistrantKey,
  type RegistrantRow,
  parseRegistrantRow,
  RecordValidationError,
  type ValidationContext,
  visitDueAt,
} from "@uacreg/core";
import { normalizeSharingTag, TAGS_IGNORED_WARNING, unitOfTag } from "@uacreg/cluster";
import { type Clock, type Logger, SILENT_LOGGER, systemClock } from "@uacreg/runtime";
import { ClusterGate, DEFAULT_CSEQ_BLOCK, UNIT_LOST } from "./cluster-gate.js";
import { LimitedDialogMarks } from "./dialog-write-limit.js";
import { NoRepositoryError, NotStaticOwnershipError } from "./engine-errors.js";
import type { LoadReport, RegistrantEngineOptions, TakeoverEvent } from "./engine-options.js";
import { EngineMetrics, type StateChangeEvent } from "./engine-metrics.js";
import type { LiveRecord } from "./live-record.js";
import { LiveTable } from "./live-table.js";
import { RandomPool } from "./random-pool.js";
import { RecordDispatcher } from "./record-dispatcher.js";
import { type RecordSnapshot, snapshotOf } from "./record-snapshot.js";
import {
  coreParamsOf,
  DEFAULT_REGISTRANT_PARAMS,
  type RegistrantParams,
  validateRegistrantParams,
  validationOf,
} from "./registrant-params.js";
import type { RegistrantStore } from "./registrant-store.js";
import { type DialogMark, type RecordOwnership, StaticTagOwnership } from "./record-ownership.js";
import { StateWriter } from "./state-writer.js";
import { TableLoader } from "./table-loader.js";
import { rejectionOf } from "./table-reconciler.js";
import { TakeoverPump } from "./takeover-pump.js";
import { UnitIndex } from "./unit-index.js";
import { WalkTimer } from "./walk-timer.js";

const VISIT: RegistrantEvent = { type: "visit" };

/** Default takeover rate, REGISTER transactions per second per node (docs/cluster.md §4). */
export const DEFAULT_TAKEOVER_RATE = 1000;

/** One unit's takeover in progress: its records still queued, and when it was gained. */
interface Takeover {
  readonly unit: string;
  readonly epoch: number;
  readonly records: number;
  readonly startedAt: number;
  left: number;
}

/**
 * The live registrant service (docs/architecture.md "engine"), a facade: the record table ({@link LiveTable}), the
 * bucket walk on ONE clock timer ({@link WalkTimer}), loads through the {@link TableLoader} and its pure reconciler, sharing tags
 * owned by @uacreg/cluster, and every visit, reply, timeout and MI command handed to @uacreg/core by the
 * {@link RecordDispatcher} (admission queue, sender, state writer, metrics).
 */
export class RegistrantEngine {
  readonly #store: RegistrantStore | undefined;
  readonly #unregisterOnShutdown: boolean;
  readonly #validation: ValidationContext;
  readonly #log: Logger;
  readonly #table: LiveTable;
  readonly #walk: WalkTimer;
  readonly #ownership: RecordOwnership;
  /** The default ownership (backends none/static), changed by {@link setTagState}; undefined with `ownership`. */
  readonly #static: StaticTagOwnership | undefined;
  readonly #units: UnitIndex;
  readonly #gate: ClusterGate;
  readonly #pump: TakeoverPump<{ live: LiveRecord; takeover: Takeover }>;
  readonly #clock: Clock;
  readonly #takeoverListeners = new Set<(e: TakeoverEvent) => void>();
  readonly #metrics: EngineMetrics;
  readonly #core: RecordDispatcher;
  readonly #loader: TableLoader;
  #started = false;

  /**
   * @throws SchedulerConfigError | EngineConfigError for refused parameters, SharingTagError for a bad active tag,
   * RangeError for `maxInFlight`, `takeoverRate` or `cseqBlock` out of range
   */
  constructor(opts: RegistrantEngineOptions) {
    const params: RegistrantParams = { ...DEFAULT_REGISTRANT_PARAMS, ...opts.params };
    validateRegistrantParams(params);
    this.#unregisterOnShutdown = params.unregisterOnShutdown;
    this.#store = opts.repository;
    const log = opts.logger ?? SILENT_LOGGER;
    const clock = opts.clock ?? systemClock;
    this.#log = log;
    this.#metrics = new EngineMetrics(log);
    const writer = new StateWriter<LiveRecord>(
      opts.repository,
      (key, state, error) => {
        this.#metrics.counters.persistFailures++;
        log.error(
          { key: formatKey(key), state, err: String(error) },
          "writing the record state to the database failed; retrying until it lands",
        );
      },
      { clock, exists: (key) => this.#table.get(key) !== undefined },
    ); // retried until it lands (docs/decisions.md)
    const random = opts.random ?? RandomPool.source();
    const ctx = { params: coreParamsOf(params), random, retiring: false }; // one shape with the retiring context
    this.#clock = clock;
    this.#static =
      opts.ownership === undefined
        ? new StaticTagOwnership({ clustering: params.enableClustering, activeTags: opts.activeTags ?? [] })
        : undefined;
    this.#ownership = opts.ownership ?? (this.#static as StaticTagOwnership);
    const counters = this.#metrics.counters;
    const block = opts.cseqBlock ?? DEFAULT_CSEQ_BLOCK;
    // At most two dialog-mark statements at once: the rest of the pool stays free for the lease renewals.
    const dialogs = opts.dialogs === undefined ? undefined : new LimitedDialogMarks(opts.dialogs);
    this.#gate = new ClusterGate({ ownership: this.#ownership, dialogs, block, counters, log });
    const dueNow = (live: LiveRecord, now: number) => this.#dueNow(live, now);
    const core = { ctx, clock, sender: opts.transport, writer, metrics: this.#metrics, log, gate: this.#gate, dueNow };
    this.#core = new RecordDispatcher({ ...core, maxInFlight: opts.maxInFlight ?? 256 });
    this.#validation = validationOf(params, opts.transport, opts.userAgent);
    this.#units = new UnitIndex(this.#ownership);
    const tags = this.#static?.tags;
    const warnIgnored = () => tags?.warnIgnored() ?? false;
    this.#table = new LiveTable(params.hashSize, this.#core, this.#metrics, this.#units, warnIgnored, this.#log);
    this.#pump = new TakeoverPump(clock, opts.takeoverRate ?? DEFAULT_TAKEOVER_RATE, (item) => this.#takeOver(item));
    this.#loader = new TableLoader(this.#table, this.#validation, log, writer);
    const { hashSize, timerInterval } = params;
    const onError = (error: unknown) => log.error({ err: String(error) }, "bucket visit failed");
    this.#walk = new WalkTimer({ hashSize, timerInterval, clock, visit: (b) => this.#visit(b), onError });
  }

  /** Loads every row (if there is a store) and starts the bucket walk: the first visit is one period later. */
  async start(): Promise<LoadReport> {
    if (this.#started) throw new Error("the engine was already started");
    this.#started = true;
    const store = this.#store;
    const report = store === undefined ? { loaded: 0, rejected: [] } : await this.#loader.load(store, false);
    this.#units.flush();
    this.#walk.start();
    const { bucketCount: buckets, periodMs } = this.#walk;
    this.#log.info({ loaded: report.loaded, rejected: report.rejected.length, buckets, periodMs }, "engine started");
    return report;
  }

  /**
   * Stops the walk; every record is stepped as retiring from now on (nothing registers). With `unregister` (default:
   * the `unregisterOnShutdown` param) core unregisters every REGISTERED record. Waits for the next-hop lookups still
   * running (an unREGISTER waiting for its registrar's address) and the transactions in flight, at most `timeoutMs`
   * (default 5000) on the engine's clock. Closes neither the transport nor the store. With an ownership whose
   * `shouldUnregisterOnStop()` is false (another live node takes the records over, docs/cluster.md §3.8) nothing is
   * unregistered, whatever `unregister` says.
   */
  async stop(opts: { unregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.#walk.stop();
    this.#pump.clear();
    this.#core.stopping();
    // docs/cluster.md §3.8: never unregister what another live node is taking over.
    const othersTakeOver = this.#ownership.shouldUnregisterOnStop?.() === false;
    if ((opts.unregister ?? this.#unregisterOnShutdown) && !othersTakeOver) {
      const shutdown: RegistrantEvent = { type: "shutdown", unregister: true };
      for (const live of this.#table.values()) this.#core.dispatch(live, shutdown);
    }
    if (!(await this.#core.idle(opts.timeoutMs ?? 5000))) {
      this.#log.warn({ inFlight: this.#core.inFlight }, "shutdown: transactions still in flight at the time limit");
    }
  }

  /**
   * Full reload (docs/decisions.md): unchanged rows leave their records untouched (state, Call-ID, CSeq, timers);
   * changed rows are handed to core as a reload; records whose row is gone are unregistered if REGISTERED and
   * dropped. A row that no longer validates keeps its record as it is. A database failure changes nothing.
   * @throws NoRepositoryError
   */
  async reload(): Promise<LoadReport> {
    const store = this.#store;
    if (store === undefined) throw new NoRepositoryError("reload");
    const report = await this.#loader.load(store, true);
    this.#units.flush();
    return report;
  }

  /**
   * Per-record reload (docs/opensips-behaviour.md §8): "not-found" when the row is not in the database (memory is
   * left as it is); a row that does not validate is logged and changes nothing; otherwise it is applied as an upsert.
   * @throws NoRepositoryError
   */
  async reloadOne(key: RegistrantKey): Promise<"ok" | "not-found"> {
    const store = this.#store;
    if (store === undefined) throw new NoRepositoryError("reload");
    const row = this.#loader.asIntended(await store.findOne(key)); // a pending state write wins (docs/decisions.md)
    if (row === undefined) return "not-found";
    try {
      this.upsert(row);
    } catch (error) {
      if (!(error instanceof RecordValidationError)) throw error;
      this.#table.refused(rejectionOf(row, error));
    }
    return "ok";
  }

  /**
   * Adds or replaces one record in memory (MI `reg_upsert`, docs/opensips-behaviour.md §8): a new key is appended to
   * its bucket; an existing one is reloaded (untouched if equal).
   * @throws RecordValidationError naming the column
   */
  upsert(row: RegistrantRow): void {
    const config = parseRegistrantRow(row, this.#validation);
    this.#table.apply(config, this.#table.get(config.key));
    this.#units.flush();
  }

  /** MI `reg_delete`: unREGISTER if REGISTERED (its exchange is followed to the end), then drop. */
  delete(key: RegistrantKey): boolean {
    return this.#command(key, undefined);
  }

  /** MI `reg_enable`. False when there is no such record. */
  enable(key: RegistrantKey): boolean {
    return this.#command(key, { type: "enable" });
  }

  /** MI `reg_disable`. False when there is no such record. */
  disable(key: RegistrantKey): boolean {
    return this.#command(key, { type: "disable" });
  }

  /** MI `reg_force_register`: RT = 0, the REGISTER goes out at the next visit. False when there is no such record. */
  forceRegister(key: RegistrantKey): boolean {
    return this.#command(key, { type: "force-register" });
  }

  /**
   * A sharing tag (`name/cluster_id`) changed state on this node (docs/opensips-behaviour.md §7) with the static
   * ownership (backends none/static, docs/cluster.md §7): BACKUP is {@link unitLost} (its records go NOT_REGISTERED
   * at once, nothing sent); ACTIVE is {@link unitGained} at epoch 0 (its records register at once, rate-limited,
   * instead of at their next bucket visit). Ignored, with one warning, when clustering is off (docs/decisions.md).
   * @throws SharingTagError when the tag is not `name/cluster_id`; NotStaticOwnershipError with another ownership
   */
  setTagState(tag: string, state: "active" | "backup"): void {
    const own = this.#static;
    if (own === undefined) throw new NotStaticOwnershipError();
    const name = normalizeSharingTag(tag);
    const held = own.epochOf(unitOfTag(name));
    const unit = own.setState(name, state);
    if (unit === undefined) {
      if (own.tags.warnIgnored()) this.#log.warn({}, TAGS_IGNORED_WARNING);
      return;
    }
    if (state === "backup") this.unitLost(unit, "backup");
    else if (held === undefined) void this.unitGained(unit, own.epochOf(unit) ?? 0);
  }

  /**
   * The cluster driver gained `unit` at `epoch` (docs/cluster.md §4). With `dialogs`, the unit's CSeq block is
   * reserved FIRST (one fenced statement); a refusal or a failure makes the gain void (false). Records with a mark
   * adopt its Call-ID/From-tag and continue at the old mark + 1; then every record of the unit registers at once, at
   * most `takeoverRate` per second. Resolves true once the records are queued (not registered).
   */
  async unitGained(unit: string, epoch: number): Promise<boolean> {
    const startedAt = this.#clock.now();
    const dialogs = this.#gate.dialogs;
    let marks: Map<string, DialogMark> | undefined;
    // Until the block is reserved and the inherited Call-IDs adopted, no record of the unit sends: the walk leaves
    // them to the takeover queue and the gate refuses other sends (an MI command) (docs/cluster.md §4).
    this.#gate.unready(unit);
    for (const live of this.#units.records(unit)) if (live.cluster !== undefined) live.cluster.takeover = true;
    if (dialogs !== undefined) {
      let reserved: readonly DialogMark[] | undefined;
      try {
        reserved = await dialogs.reserveUnit(unit, epoch, this.#gate.block);
      } catch (error) {
        this.#log.warn({ unit, epoch, err: String(error) }, "takeover reservation failed; the gain is void");
      }
      if (reserved === undefined) {
        this.#metrics.counters.takeoversRefused++;
        this.#log.warn({ unit, epoch }, "takeover reservation refused; the gain is void");
        return false;
      }
      marks = new Map(reserved.map((m) => [keyIdentity(m.key), m]));
    }
    if (this.#ownership.epochOf(unit) !== epoch) return false; // lost (or taken again) meanwhile
    this.#gate.ready(unit, epoch);
    const records = [...this.#units.records(unit)];
    const takeover: Takeover = { unit, epoch, records: records.length, startedAt, left: records.length };
    const c = this.#metrics.counters;
    c.takeovers++;
    c.takeoverRecords += records.length;
    this.#log.info({ unit, epoch, records: records.length, marks: marks?.size ?? 0 }, "unit gained: taking over");
    for (const live of records) {
      const slot = live.cluster;
      if (slot === undefined) continue;
      slot.takeover = true;
      const mark = marks?.get(keyIdentity(live.key));
      if (mark === undefined) continue; // no row yet: its first send stores one (new Call-ID)
      const block = this.#gate.block;
      this.#core.dispatch(live, {
        type: "adopt-dialog",
        callId: mark.callId,
        fromTag: mark.fromTag,
        cseq: Math.max(0, mark.cseqMark - block),
      });
      const adopted = live.record.callId === mark.callId;
      slot.callId = adopted ? mark.callId : undefined;
      slot.mark = adopted ? mark.cseqMark : 0;
      // Not adopted (a request was in flight): the registrar may refuse this node's older CSeq under that Call-ID
      // with 400; the same once-only fallback to a new Call-ID applies (docs/cluster.md §4).
      slot.inherited = live.record.callId;
    }
    if (records.length === 0) this.#takeoverDone(takeover);
    else this.#pump.push(records.map((live) => ({ live, takeover })));
    return true;
  }

  /**
   * The cluster driver lost `unit` (docs/cluster.md §6): every record of the unit goes NOT_REGISTERED at once with NO
   * unREGISTER (a request in flight is abandoned; the send guard stops its retransmissions).
   */
  unitLost(unit: string, reason: string): void {
    const records = this.#units.records(unit);
    this.#gate.unready(unit);
    this.#log.info({ unit, reason, records: records.size }, "unit lost: its records stop here");
    for (const live of records) {
      const slot = live.cluster;
      if (slot !== undefined) {
        slot.takeover = false;
        slot.inherited = undefined;
      }
      this.#core.dispatch(live, UNIT_LOST);
    }
  }

  /** Records per unit of ownership, for `cluster_status` (units with no record are absent). */
  unitRecords(): Map<string, number> {
    return this.#units.counts();
  }

  /** Subscribes to completed takeovers (metrics); returns the unsubscribe function. Listener exceptions are logged. */
  onTakeover(listener: (e: TakeoverEvent) => void): () => void {
    this.#takeoverListeners.add(listener);
    return () => this.#takeoverListeners.delete(listener);
  }

  /** Every record's view in bucket order 0..H−1, list order inside a bucket (docs/opensips-behaviour.md §9). */
  list(): RecordView[] {
    const records = this.snapshot();
    return Array.from({ length: records.length }, (_, i) => records.view(i));
  }

  /**
   * The records in {@link list} order, their views made on demand: what `reg_list` writes slice by slice (a
   * reference per record now, a view per record as the reply reaches it; {@link RecordSnapshot}).
   */
  snapshot(): RecordSnapshot {
    return snapshotOf(this.#table.listed());
  }

  get(key: RegistrantKey): RecordView | undefined {
    return this.#table.get(key)?.view();
  }

  /** Records per state name (all ten names, zeros included). */
  stats(): Record<string, number> {
    return this.#metrics.stats();
  }

  /** A copy of the counters (see {@link EngineCounters}). */
  counters(): Record<string, number> {
    const c = this.#metrics.counters;
    c.visits = this.#walk.visits;
    c.delayedVisits = this.#walk.delayedVisits;
    c.records = this.#table.size;
    c.inFlight = this.#core.inFlight;
    c.queued = this.#core.queued;
    return { ...c };
  }

  /** Subscribes to state changes; returns the unsubscribe function. Listener exceptions are logged, never thrown. */
  onStateChange(listener: (e: StateChangeEvent) => void): () => void {
    return this.#metrics.onStateChange(listener);
  }

  /** An MI command for one record (`undefined`: delete). False when there is no such record. */
  #command(key: RegistrantKey, event: RegistrantEvent | undefined): boolean {
    const live = this.#table.get(key);
    if (live === undefined) return false;
    if (event === undefined) {
      this.#table.remove(live);
      this.#units.flush();
    } else this.#core.dispatch(live, event);
    return true;
  }

  /** One record's turn in the takeover queue: it registers now, if its unit is still held at that epoch. */
  #takeOver(item: { live: LiveRecord; takeover: Takeover }): void {
    const { live, takeover } = item;
    const slot = live.cluster;
    try {
      if (slot?.takeover && slot.unit === takeover.unit && live.inTable) {
        slot.takeover = false;
        if (this.#ownership.epochOf(takeover.unit) === takeover.epoch) this.#core.dispatch(live, VISIT);
      }
    } catch (error) {
      this.#log.error({ key: formatKey(live.key), err: String(error) }, "takeover of a record failed");
    }
    if (--takeover.left === 0) this.#takeoverDone(takeover);
  }

  #takeoverDone(t: Takeover): void {
    const durationMs = this.#clock.now() - t.startedAt;
    const c = this.#metrics.counters;
    c.lastTakeoverMs = durationMs;
    c.maxTakeoverMs = Math.max(c.maxTakeoverMs, durationMs);
    this.#log.info({ unit: t.unit, epoch: t.epoch, records: t.records, durationMs }, "takeover done");
    const event: TakeoverEvent = { unit: t.unit, epoch: t.epoch, records: t.records, durationMs };
    for (const listener of this.#takeoverListeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error({ err: String(error) }, "takeover listener threw");
      }
    }
  }

  /** One bucket visit (docs/opensips-behaviour.md §3): records of the bucket in list order, units not held skipped (§7). */
  #visit(bucket: number): void {
    this.#visitNow = this.#core.unixNow();
    this.#table.forEachInBucket(bucket, this.#visitOne);
  }

  /** `now` of the bucket visit under way (read by {@link #visitOne}, bound once: a visit allocates nothing). */
  #visitNow = 0;

  readonly #visitOne = (live: LiveRecord): void => {
    // Records with nothing due (most of them, most of the time) are not handed to core at all.
    if (this.#dueNow(live, this.#visitNow)) this.#core.visit(live, this.#visitNow);
  };

  /** Due at `now`: core says so, and its unit (if any) is held here and not in the takeover queue (docs/cluster.md §4, §6). */
  #dueNow(live: LiveRecord, now: number): boolean {
    const slot = live.cluster;
    if (slot !== undefined && (slot.takeover || this.#ownership.epochOf(slot.unit) === undefined)) return false;
    return visitDueAt(live.record, this.#core.ctx.params) <= now;
  }
}
