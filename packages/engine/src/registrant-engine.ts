import {
  formatKey,
  type RecordView,
  type RegistrantEvent,
  type RegistrantKey,
  type RegistrantRow,
  parseRegistrantRow,
  RecordValidationError,
  type ValidationContext,
  visitDueAt,
} from "@uacreg/core";
import { SharingTagOwnership, TAGS_IGNORED_WARNING } from "@uacreg/cluster";
import { type Logger, SILENT_LOGGER, systemClock } from "@uacreg/runtime";
import { NoRepositoryError } from "./engine-errors.js";
import type { LoadReport, RegistrantEngineOptions } from "./engine-options.js";
import { EngineMetrics, type StateChangeEvent } from "./engine-metrics.js";
import type { LiveRecord } from "./live-record.js";
import { LiveTable } from "./live-table.js";
import { RandomPool } from "./random-pool.js";
import { RecordDispatcher } from "./record-dispatcher.js";
import {
  coreParamsOf,
  DEFAULT_REGISTRANT_PARAMS,
  type RegistrantParams,
  validateRegistrantParams,
  validationOf,
} from "./registrant-params.js";
import type { RegistrantStore } from "./registrant-store.js";
import { StateWriter } from "./state-writer.js";
import { TableLoader } from "./table-loader.js";
import { rejectionOf } from "./table-reconciler.js";
import { WalkTimer } from "./walk-timer.js";

const VISIT: RegistrantEvent = { type: "visit" };

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
  readonly #tags: SharingTagOwnership;
  readonly #metrics: EngineMetrics;
  readonly #core: RecordDispatcher;
  readonly #loader: TableLoader;
  #started = false;

  /** @throws SchedulerConfigError | EngineConfigError for refused parameters, SharingTagError for a bad active tag */
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
    const core = { ctx, clock, sender: opts.transport, writer, metrics: this.#metrics, log };
    this.#core = new RecordDispatcher({ ...core, maxInFlight: opts.maxInFlight ?? 256 });
    this.#validation = validationOf(params, opts.transport, opts.userAgent);
    this.#tags = new SharingTagOwnership({ clustering: params.enableClustering, activeTags: opts.activeTags ?? [] });
    this.#table = new LiveTable(params.hashSize, this.#core, this.#metrics, this.#tags, this.#log);
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
    this.#walk.start();
    const { bucketCount: buckets, periodMs } = this.#walk;
    this.#log.info({ loaded: report.loaded, rejected: report.rejected.length, buckets, periodMs }, "engine started");
    return report;
  }

  /**
   * Stops the walk; every record is stepped as retiring from now on (nothing registers). With `unregister` (default:
   * the `unregisterOnShutdown` param) core unregisters every REGISTERED record. Waits for the next-hop lookups still
   * running (an unREGISTER waiting for its registrar's address) and the transactions in flight, at most `timeoutMs`
   * (default 5000) on the engine's clock. Closes neither the transport nor the store.
   */
  async stop(opts: { unregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.#walk.stop();
    this.#core.stopping();
    if (opts.unregister ?? this.#unregisterOnShutdown) {
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
  reload(): Promise<LoadReport> {
    const store = this.#store;
    if (store === undefined) return Promise.reject(new NoRepositoryError("reload"));
    return this.#loader.load(store, true);
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
    return Array.from(this.#table.values(), (live) => live.view());
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
    if (event === undefined) this.#table.remove(live);
    else this.#core.dispatch(live, event);
    return true;
  }

  /** One bucket visit (docs/opensips-behaviour.md §3): records of the bucket in list order, unowned tags skipped (§7). */
  #visit(bucket: number): void {
    const now = this.#core.unixNow();
    const params = this.#core.ctx.params;
    for (const live of this.#table.bucket(bucket)) {
      // Records with nothing due (most of them, most of the time) are not handed to core at all.
      if (!this.#tags.owns(live.record.config.shtag) || visitDueAt(live.record, params) > now) continue;
      this.#core.dispatch(live, VISIT, now);
    }
  }
}
