import {
  createRecord,
  isInFlight,
  type RecordView,
  type RegistrantConfig,
  type RegistrantEvent,
  type RegistrantKey,
  type RegistrantRow,
  parseRegistrantRow,
  RecordValidationError,
  type ValidationContext,
  visitDueAt,
} from "@uacreg/core";
import { SharingTagOwnership, TAGS_IGNORED_WARNING } from "@uacreg/cluster";
import { type Clock, type Logger, SILENT_LOGGER, systemClock } from "@uacreg/runtime";
import { LinkedRegistrantTable } from "@uacreg/scheduler";
import { NoRepositoryError } from "./engine-errors.js";
import type { LoadReport, RegistrantEngineOptions } from "./engine-options.js";
import { EngineMetrics, type StateChangeEvent } from "./engine-metrics.js";
import { LiveRecord, liveKey } from "./live-record.js";
import { RandomPool } from "./random-pool.js";
import { RecordDispatcher } from "./record-dispatcher.js";
import {
  coreParamsOf,
  DEFAULT_REGISTRANT_PARAMS,
  type RegistrantParams,
  validateRegistrantParams,
} from "./registrant-params.js";
import type { RegistrantStore } from "./registrant-store.js";
import { StateWriter } from "./state-writer.js";
import { type Rejection, rejectionLine, rejectionOf, TableReconciler } from "./table-reconciler.js";
import { WalkTimer } from "./walk-timer.js";

const VISIT: RegistrantEvent = { type: "visit" };

/**
 * The live registrant service (docs/architecture.md "engine"): owns the record table (on @uacreg/scheduler's
 * {@link LinkedRegistrantTable}), runs the bucket walk on ONE clock timer, and hands every visit, reply, timeout and
 * MI command of a record to @uacreg/core through the {@link RecordDispatcher}. Loads go through the pure
 * {@link TableReconciler}; sharing tags are owned by @uacreg/cluster.
 */
export class RegistrantEngine {
  readonly #store: RegistrantStore | undefined;
  readonly #params: RegistrantParams;
  readonly #validation: ValidationContext;
  readonly #log: Logger;
  readonly #table: LinkedRegistrantTable<LiveRecord>;
  readonly #walk: WalkTimer;
  readonly #tags: SharingTagOwnership;
  readonly #metrics: EngineMetrics;
  readonly #core: RecordDispatcher;
  readonly #clock: Clock;
  #stopping = false;
  #started = false;
  #loading: Promise<unknown> = Promise.resolve();

  /** @throws SchedulerConfigError | EngineConfigError for refused parameters, SharingTagError for a bad active tag */
  constructor(opts: RegistrantEngineOptions) {
    const params: RegistrantParams = { ...DEFAULT_REGISTRANT_PARAMS, ...opts.params };
    validateRegistrantParams(params);
    this.#params = params;
    this.#store = opts.repository;
    this.#log = opts.logger ?? SILENT_LOGGER;
    this.#clock = opts.clock ?? systemClock;
    this.#metrics = new EngineMetrics(this.#log);
    const sender = opts.transport;
    const writer = new StateWriter<LiveRecord>(opts.repository, (key, state, error) => {
      this.#metrics.counters.persistFailures++;
      this.#log.error({ key: key, state, err: String(error) }, "writing the record state to the database failed");
    });
    const pool = opts.random === undefined ? new RandomPool() : undefined;
    const random = opts.random ?? ((n: number) => (pool as RandomPool).take(n));
    this.#core = new RecordDispatcher({
      ctx: { params: coreParamsOf(params), random },
      clock: this.#clock,
      sender,
      writer,
      metrics: this.#metrics,
      log: this.#log,
      maxInFlight: opts.maxInFlight ?? 256,
    });
    this.#validation = {
      timerInterval: params.timerInterval,
      defaultExpires: params.defaultExpires,
      socketExists: (spec) => sender.hasSocket(spec),
    };
    if (opts.userAgent !== undefined) this.#validation.userAgent = opts.userAgent;
    this.#tags = new SharingTagOwnership({ clustering: params.enableClustering, activeTags: opts.activeTags ?? [] });
    this.#table = new LinkedRegistrantTable<LiveRecord>(params.hashSize, liveKey);
    this.#walk = new WalkTimer({
      hashSize: params.hashSize,
      timerInterval: params.timerInterval,
      clock: this.#clock,
      visit: (bucket) => this.#visit(bucket),
      onError: (error) => this.#log.error({ err: String(error) }, "bucket visit failed"),
    });
  }

  /** Loads every row (if there is a store) and starts the bucket walk: the first visit is one period later. */
  async start(): Promise<LoadReport> {
    if (this.#started) throw new Error("the engine was already started");
    this.#started = true;
    const store = this.#store;
    const report = store === undefined ? { loaded: 0, rejected: [] } : await this.#load(store, false);
    this.#walk.start();
    const { bucketCount: buckets, periodMs } = this.#walk;
    this.#log.info({ loaded: report.loaded, rejected: report.rejected.length, buckets, periodMs }, "engine started");
    return report;
  }

  /**
   * Stops the walk; every record is stepped as retiring from now on (nothing registers). With `unregister` (default:
   * the `unregisterOnShutdown` param) core unregisters every REGISTERED record. Waits for the transactions in flight,
   * at most `timeoutMs` (default 5000) on the engine's clock. Closes neither the transport nor the store.
   */
  async stop(opts: { unregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.#walk.stop();
    this.#stopping = true;
    this.#core.stopping();
    const shutdown: RegistrantEvent = {
      type: "shutdown",
      unregister: opts.unregister ?? this.#params.unregisterOnShutdown,
    };
    if (shutdown.unregister) for (const live of this.#table.values()) this.#core.dispatch(live, shutdown);
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
  reload(): Promise<LoadReport> {
    const store = this.#store;
    if (store === undefined) return Promise.reject(new NoRepositoryError("reload"));
    return this.#load(store, true);
  }

  /**
   * Per-record reload (docs/opensips-behaviour.md §8): "not-found" when the row is not in the database (memory is
   * left as it is); a row that does not validate is logged and changes nothing; otherwise it is applied as an upsert.
   * @throws NoRepositoryError
   */
  async reloadOne(key: RegistrantKey): Promise<"ok" | "not-found"> {
    const store = this.#store;
    if (store === undefined) throw new NoRepositoryError("reload");
    const row = await store.findOne(key);
    if (row === undefined) return "not-found";
    try {
      this.upsert(row);
    } catch (error) {
      if (!(error instanceof RecordValidationError)) throw error;
      this.#refused(rejectionOf(row, error));
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
    this.#apply(config, this.#table.get(config.key));
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
   * A sharing tag (`name/cluster_id`) changed state on this node (docs/opensips-behaviour.md §7): BACKUP puts its
   * records in NOT_REGISTERED at once (nothing sent); ACTIVE lets the next visit register them. Ignored, with one
   * warning, when clustering is off (docs/decisions.md).
   * @throws SharingTagError when the tag is not `name/cluster_id`
   */
  setTagState(tag: string, state: "active" | "backup"): void {
    const name = this.#tags.setState(tag, state);
    if (name === undefined) {
      if (this.#tags.warnIgnored()) this.#log.warn({}, TAGS_IGNORED_WARNING);
      return;
    }
    const event: RegistrantEvent = { type: "tag", state };
    for (const live of this.#table.values()) {
      if (this.#tags.matches(live.record.config.shtag, name)) this.#core.dispatch(live, event);
    }
  }

  /** Every record in bucket order 0..H−1, list order inside a bucket (reg_list, docs/opensips-behaviour.md §9). */
  list(): RecordView[] {
    const out: RecordView[] = [];
    for (const live of this.#table.values()) out.push(live.view());
    return out;
  }

  get(key: RegistrantKey): RecordView | undefined {
    const live = this.#table.get(key);
    return live === undefined ? undefined : live.view();
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

  /** Reads every row through the reconciler, then applies its plan; loads run one after the other. */
  #load(store: RegistrantStore, isReload: boolean): Promise<LoadReport> {
    const job = async (): Promise<LoadReport> => {
      const reconciler = new TableReconciler<LiveRecord>((key) => this.#table.get(key), this.#validation);
      for await (const row of store.loadAll()) reconciler.offer(row);
      const plan = reconciler.plan(isReload ? this.#table.values() : undefined);
      for (const rejection of plan.rejected) this.#refused(rejection);
      for (let i = 0; i < plan.configs.length; i++) this.#apply(plan.configs[i] as RegistrantConfig, plan.existing[i]);
      for (const live of plan.remove) this.#remove(live);
      if (isReload) {
        const counts = { loaded: plan.configs.length, removed: plan.remove.length, rejected: plan.rejected.length };
        this.#log.info(counts, "reload done");
      }
      return { loaded: plan.configs.length, rejected: [...plan.rejected] };
    };
    const run = this.#loading.then(job, job);
    this.#loading = run.catch(() => undefined);
    return run;
  }

  #refused(r: Rejection): void {
    this.#metrics.counters.rowsRejected++;
    this.#log.error({ key: r.key, field: r.field }, rejectionLine(r));
  }

  /** Inserts a record for a new key, or hands core the reloaded row of an existing one. */
  #apply(config: RegistrantConfig, existing: LiveRecord | undefined): void {
    if (existing !== undefined) {
      this.#core.dispatch(existing, { type: "reload", config });
      return;
    }
    const live = new LiveRecord(createRecord(config, this.#core.ctx.random));
    this.#table.insert(live);
    this.#metrics.added(live.record.state);
    if (config.shtag !== undefined && this.#tags.warnIgnored()) this.#log.warn({}, TAGS_IGNORED_WARNING);
  }

  /** Drops a record from the table; core unregisters it if REGISTERED, and its exchange is followed to its end. */
  #remove(live: LiveRecord): void {
    this.#table.remove(live.key);
    this.#metrics.removed(live.record.state);
    live.retire(true);
    this.#core.dispatch(live, { type: "delete" });
    live.retire(isInFlight(live.record.state));
  }

  /** An MI command for one record (`undefined`: delete). False when there is no such record. */
  #command(key: RegistrantKey, event: RegistrantEvent | undefined): boolean {
    const live = this.#table.get(key);
    if (live === undefined) return false;
    if (event === undefined) this.#remove(live);
    else this.#core.dispatch(live, event);
    return true;
  }

  /** One bucket visit (docs/opensips-behaviour.md §3): records of the bucket in list order, unowned tags skipped (§7). */
  #visit(bucket: number): void {
    if (this.#stopping) return;
    const now = this.#core.unixNow();
    const params = this.#core.ctx.params;
    for (const live of this.#table.bucket(bucket)) {
      // Records with nothing due (most of them, most of the time) are not handed to core at all.
      if (!this.#tags.owns(live.record.config.shtag) || visitDueAt(live.record, params) > now) continue;
      this.#core.dispatch(live, VISIT, now);
    }
  }
}
