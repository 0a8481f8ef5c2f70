import { isIPv6 } from "node:net";
import {
  type CoreContext,
  createRecord,
  formatKey,
  isInFlight,
  parseRegistrantRow,
  parseSharingTag,
  RecordValidationError,
  type RegistrantAction,
  type RegistrantConfig,
  type RegistrantEvent,
  type RegistrantKey,
  type RegistrantRecord,
  type RegistrantRow,
  recordView,
  STATE_NAMES,
  type Step,
  step,
  type ValidationContext,
  visitDueAt,
} from "@uacreg/core";
import { LinkedRegistrantTable, TableEntry } from "@uacreg/scheduler";
import type { OutgoingRequest as TransportRequest, SipTransport, TransactionOutcome } from "@uacreg/transport";
import { type EngineCounters, emptyCounters } from "./engine-counters.js";
import { NoRepositoryError, SharingTagError } from "./engine-errors.js";
import { type Logger, SILENT_LOGGER } from "./logger.js";
import type { RegistrantRepository } from "./registrant-repository.js";
import { DEFAULT_REGISTRANT_PARAMS, type RegistrantParams, validateRegistrantParams } from "./registrant-params.js";
import { RandomPool } from "./random-pool.js";
import { WalkTimer } from "./walk-timer.js";

/** Everything reg_list needs (contracts.md); the daemon formats it (ctime etc.). Never holds the password. */
export interface RecordView {
  aor: string;
  contact: string;
  registrar: string;
  proxy?: string;
  thirdPartyRegistrant?: string;
  bindingParams?: string;
  /** The granted expiry E. */
  expires: number;
  state: number;
  /** "REGISTERED_STATE" … */
  stateName: string;
  enabled: boolean;
  /** Unix seconds, 0 = never. */
  lastRegisterSent: number;
  /** RT, unix seconds, 0 = none. */
  registrationTimeout: number;
  /** "udp:127.0.0.1:5060": the forced socket, or the one the last request left from. */
  socket?: string;
  pinned?: { family: "IPv4" | "IPv6"; address: string; port: number };
  shtag?: string;
  clusterId?: number;
}

/** A state change (contracts.md). `at` is unix seconds. */
export interface StateChangeEvent {
  key: RegistrantKey;
  from: string;
  to: string;
  reason: string;
  at: number;
}

/** The outcome of a (re)load: rows taken and rows refused (each refused row was logged once, naming its key). */
export interface LoadReport {
  loaded: number;
  rejected: Array<{ key: string; field: string; message: string }>;
}

/** Constructor options of {@link RegistrantEngine}. */
export interface RegistrantEngineOptions {
  transport: SipTransport;
  repository?: RegistrantRepository;
  /** Missing fields take the OpenSIPS defaults ({@link DEFAULT_REGISTRANT_PARAMS}). */
  params: Partial<RegistrantParams>;
  /** Sharing tags (`name/cluster_id`) active on this node at start (reference §7). */
  activeTags?: Iterable<string>;
  logger?: Logger;
  /** User-Agent header of every REGISTER (core's default `uacreg/<version>` when unset). */
  userAgent?: string;
  /** Wall clock in milliseconds since the epoch (default Date.now); core sees whole unix seconds of it. */
  now?: () => number;
  /** Randomness (default node:crypto randomBytes): Call-IDs, From-tags, cnonces. */
  random?: (n: number) => Uint8Array;
  /**
   * Transactions in flight at once (default 256); further sends wait in FIFO order, and a request core abandoned
   * meanwhile is not sent. 256 carry ~5,000 transactions/s at a 50 ms round trip.
   */
  maxInFlight?: number;
  /**
   * FOR TESTS ONLY: the bucket period in milliseconds instead of floor(T/H) s, so that a test walks the buckets in
   * a fraction of a second. The parameters are still validated. Never set it in production.
   */
  tickMs?: number;
}

const IN_TABLE = 1;
const RETIRING = 2;

/**
 * The engine's handle on one record: the current immutable core record and what only the engine knows. It carries
 * its own table links (a {@link TableEntry}), so the table allocates nothing else per record but a Map entry.
 */
class LiveRecord extends TableEntry {
  /** The local socket (`udp:127.0.0.1:5060`) the last request left from (the transport's shared string). */
  socket: string | undefined = undefined;
  /** IN_TABLE: still the record of its key in the table; RETIRING: removed, followed until its request ends. */
  flags = IN_TABLE;
  constructor(public record: RegistrantRecord) {
    super();
  }

  get inTable(): boolean {
    return (this.flags & IN_TABLE) !== 0;
  }

  get retiring(): boolean {
    return (this.flags & RETIRING) !== 0;
  }

  set retiring(value: boolean) {
    this.flags = value ? this.flags | RETIRING : this.flags & ~RETIRING;
  }
}

const liveKey = (live: LiveRecord): RegistrantKey => live.record.config.key;

const STATE_COUNT = STATE_NAMES.length;
const VISIT: RegistrantEvent = { type: "visit" };

/**
 * The live registrant service (architecture.md "engine"): owns the record table (on @uacreg/scheduler's
 * {@link LinkedRegistrantTable}), runs the bucket walk on ONE real timer, hands every visit, reply, timeout and MI command
 * for a record to @uacreg/core one at a time, and carries out core's actions through the transport (send) and the
 * repository (state writes). Emits state changes; keeps counters per state.
 */
export class RegistrantEngine {
  readonly #transport: SipTransport;
  readonly #repository: RegistrantRepository | undefined;
  readonly #params: RegistrantParams;
  readonly #ctx: CoreContext;
  readonly #validation: ValidationContext;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #maxInFlight: number;
  readonly #table: LinkedRegistrantTable<LiveRecord>;
  /** DB state writes in progress, per record (writes of one record are serialized). */
  readonly #persisting = new Map<LiveRecord, Promise<void>>();
  readonly #walk: WalkTimer;
  readonly #activeTags = new Set<string>();
  readonly #listeners = new Set<(e: StateChangeEvent) => void>();
  readonly #counters: EngineCounters = emptyCounters();
  readonly #stateCounts = new Array<number>(STATE_COUNT).fill(0);
  readonly #queue: Array<{ live: LiveRecord; request: TransportRequest; kind: string }> = [];
  #queueHead = 0;
  readonly #idle = new Set<() => void>();
  #tagWarning = false;
  #stopping = false;
  #started = false;
  #reloading: Promise<unknown> = Promise.resolve();

  /** @throws SchedulerConfigError | EngineConfigError for refused parameters (reference §1) */
  constructor(opts: RegistrantEngineOptions) {
    const params: RegistrantParams = { ...DEFAULT_REGISTRANT_PARAMS, ...opts.params };
    validateRegistrantParams(params);
    this.#params = params;
    this.#transport = opts.transport;
    this.#repository = opts.repository;
    this.#log = opts.logger ?? SILENT_LOGGER;
    this.#now = opts.now ?? Date.now;
    this.#maxInFlight = opts.maxInFlight ?? 256;
    if (!(this.#maxInFlight >= 1)) throw new RangeError(`maxInFlight must be ≥ 1, got ${opts.maxInFlight}`);
    let random = opts.random;
    if (random === undefined) {
      const pool = new RandomPool();
      random = (n: number) => pool.take(n);
    }
    this.#ctx = {
      params: {
        timerInterval: params.timerInterval,
        failureRetryInterval: params.failureRetryInterval,
        reregisterExpiryPercentage: params.reregisterExpiryPercentage,
        defaultExpires: params.defaultExpires,
        preemptiveAuth: params.preemptiveAuth,
      },
      random,
    };
    const transport = opts.transport;
    this.#validation = {
      timerInterval: params.timerInterval,
      defaultExpires: params.defaultExpires,
      socketExists: (spec) => transport.hasSocket(spec),
    };
    if (opts.userAgent !== undefined) this.#validation.userAgent = opts.userAgent;
    for (const tag of opts.activeTags ?? []) this.#activeTags.add(normalizeTag(tag));
    this.#table = new LinkedRegistrantTable<LiveRecord>(params.hashSize, liveKey);
    const walkOptions = {
      hashSize: params.hashSize,
      timerInterval: params.timerInterval,
      visit: (bucket: number) => this.#visit(bucket),
      onError: (error: unknown) => this.#log.error({ err: String(error) }, "bucket visit failed"),
    };
    this.#walk = new WalkTimer(opts.tickMs === undefined ? walkOptions : { ...walkOptions, periodMs: opts.tickMs });
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  /** Loads every row (if there is a repository) and starts the bucket walk: the first visit is one period later. */
  async start(): Promise<LoadReport> {
    if (this.#started) throw new Error("the engine was already started");
    this.#started = true;
    let report: LoadReport = { loaded: 0, rejected: [] };
    if (this.#repository !== undefined) report = await this.#exclusive(() => this.#fullLoad(this.#repository!, false));
    this.#walk.start();
    this.#log.info(
      {
        loaded: report.loaded,
        rejected: report.rejected.length,
        buckets: this.#walk.bucketCount,
        periodMs: this.#walk.periodMs,
      },
      "registrant engine started",
    );
    return report;
  }

  /**
   * Stops the bucket walk, optionally unregisters every REGISTERED record (default: the `unregisterOnShutdown`
   * param), and waits for the transactions in flight, at most `timeoutMs` (default 5000). Does not close the
   * transport or the repository (their owner does).
   */
  async stop(opts: { unregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.#walk.stop();
    this.#stopping = true;
    const unregister = opts.unregister ?? this.#params.unregisterOnShutdown;
    if (unregister) {
      for (const live of this.#table.values()) {
        // Core re-registers after the 200 to an unREGISTER while the record is enabled; at shutdown the record must
        // end in NOT_REGISTERED instead, so it is marked disabled in memory (the database is not written).
        if (live.record.state === 3) live.record = { ...live.record, enabled: false };
        this.#dispatch(live, { type: "shutdown", unregister: true });
      }
    }
    await this.#whenIdle(opts.timeoutMs ?? 5000);
  }

  // ------------------------------------------------------------------------------------------------ reload, upsert

  /**
   * Full reload (decisions.md): unchanged rows leave their records untouched (state, Call-ID, CSeq, timers);
   * changed rows are handed to core as a reload (re-register, or unREGISTER when now disabled); records whose row
   * is gone are unregistered if REGISTERED and dropped. A row that no longer validates keeps its record as it is.
   * @throws NoRepositoryError
   */
  reload(): Promise<LoadReport> {
    const repository = this.#repository;
    if (repository === undefined) return Promise.reject(new NoRepositoryError("reload"));
    return this.#exclusive(() => this.#fullLoad(repository, true));
  }

  /**
   * Per-record reload (reference §8): "not-found" when the row is not in the database (the record in memory is left
   * as it is); a row that does not validate is logged and changes nothing; otherwise it is applied as an upsert.
   * @throws NoRepositoryError
   */
  async reloadOne(key: RegistrantKey): Promise<"ok" | "not-found"> {
    const repository = this.#repository;
    if (repository === undefined) throw new NoRepositoryError("reload");
    const row = await repository.findOne(key);
    if (row === undefined) return "not-found";
    try {
      this.#applyRow(row);
    } catch (error) {
      if (!(error instanceof RecordValidationError)) throw error;
      this.#reject(error);
    }
    return "ok";
  }

  /**
   * Adds or replaces one record in memory (MI `reg_upsert`, reference §8): a new key is appended to its bucket; an
   * existing one is reloaded (untouched if equal).
   * @throws RecordValidationError naming the column
   */
  upsert(row: RegistrantRow): void {
    this.#applyRow(row);
  }

  /** MI `reg_delete`: unREGISTER if REGISTERED (its exchange is followed to the end), then drop. */
  delete(key: RegistrantKey): boolean {
    const live = this.#table.get(key);
    if (live === undefined) return false;
    this.#remove(live);
    return true;
  }

  // ------------------------------------------------------------------------------------------------ MI commands

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
   * A sharing tag (`name/cluster_id`) changed state on this node (reference §7): BACKUP puts its records in
   * NOT_REGISTERED at once (nothing sent); ACTIVE lets the next visit register them. Ignored, with one warning, when
   * clustering is off (decisions.md).
   * @throws SharingTagError when the tag is not `name/cluster_id`
   */
  setTagState(tag: string, state: "active" | "backup"): void {
    const name = normalizeTag(tag);
    if (!this.#params.enableClustering) {
      this.#warnTagsIgnored();
      return;
    }
    if (state === "active") this.#activeTags.add(name);
    else this.#activeTags.delete(name);
    for (const live of this.#table.values()) {
      const t = live.record.config.shtag;
      if (t !== undefined && `${t.name}/${t.clusterId}` === name) this.#dispatch(live, { type: "tag", state });
    }
  }

  // ------------------------------------------------------------------------------------------------ views

  /** Every record in bucket order 0..H−1, list order inside a bucket (reg_list, reference §9). */
  list(): RecordView[] {
    const out: RecordView[] = [];
    for (const live of this.#table.values()) out.push(this.#view(live));
    return out;
  }

  get(key: RegistrantKey): RecordView | undefined {
    const live = this.#table.get(key);
    return live === undefined ? undefined : this.#view(live);
  }

  /** Records per state name (all ten names, zeros included). */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let s = 0; s < STATE_COUNT; s++) out[STATE_NAMES[s] as string] = this.#stateCounts[s] ?? 0;
    return out;
  }

  /** A copy of the counters (see {@link EngineCounters}). */
  counters(): Record<string, number> {
    const c = this.#counters;
    c.visits = this.#walk.visits;
    c.delayedVisits = this.#walk.delayedVisits;
    c.records = this.#table.size;
    c.queued = this.#queue.length - this.#queueHead;
    return { ...c };
  }

  /** Subscribes to state changes; returns the unsubscribe function. Listener exceptions are logged, never thrown. */
  onStateChange(listener: (e: StateChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  // ------------------------------------------------------------------------------------------------ internals

  /** Runs loads one after the other (a reload never interleaves with another). */
  #exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#reloading.then(job, job);
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  #unixNow(): number {
    return Math.floor(this.#now() / 1000);
  }

  async #fullLoad(repository: RegistrantRepository, isReload: boolean): Promise<LoadReport> {
    const report: LoadReport = { loaded: 0, rejected: [] };
    const seen = new Set<LiveRecord>();
    for await (const row of repository.loadAll()) {
      let config: RegistrantConfig;
      try {
        config = parseRegistrantRow(row, this.#validation);
      } catch (error) {
        const rejected = this.#rejectRow(row, error);
        report.rejected.push(rejected);
        // A row that no longer validates does not remove its record (it is not "gone from the DB").
        const live = isReload ? this.#table.get(rowKeyOf(row)) : undefined;
        if (live !== undefined) seen.add(live);
        continue;
      }
      const existing = this.#table.get(config.key);
      if (existing !== undefined && seen.has(existing)) {
        const message = "duplicate of an earlier row with the same (aor, binding_URI, registrar)";
        report.rejected.push({ key: formatKey(config.key), field: "key", message });
        this.#counters.rowsRejected++;
        this.#log.error({ key: formatKey(config.key) }, `registrant row refused: ${message}`);
        continue;
      }
      if (existing === undefined) {
        const live = this.#insert(config);
        seen.add(live);
      } else {
        seen.add(existing);
        this.#dispatch(existing, { type: "reload", config });
      }
      report.loaded++;
    }
    if (isReload) {
      const gone: LiveRecord[] = [];
      for (const live of this.#table.values()) if (!seen.has(live)) gone.push(live);
      for (const live of gone) this.#remove(live);
      this.#log.info({ loaded: report.loaded, removed: gone.length, rejected: report.rejected.length }, "reload done");
    }
    return report;
  }

  #rejectRow(row: RegistrantRow, error: unknown): { key: string; field: string; message: string } {
    if (error instanceof RecordValidationError) return this.#reject(error);
    const key = formatKey(rowKeyOf(row));
    const message = error instanceof Error ? error.message : String(error);
    this.#counters.rowsRejected++;
    this.#log.error({ key }, `registrant row refused: ${message}`);
    return { key, field: "row", message };
  }

  #reject(error: RecordValidationError): { key: string; field: string; message: string } {
    const key = formatKey(error.key);
    this.#counters.rowsRejected++;
    this.#log.error({ key, field: error.field }, `registrant row refused: ${error.field}: ${error.reason}`);
    return { key, field: error.field, message: error.reason };
  }

  /** Validates a row and inserts or reloads its record. @throws RecordValidationError */
  #applyRow(row: RegistrantRow): void {
    const config = parseRegistrantRow(row, this.#validation);
    const existing = this.#table.get(config.key);
    if (existing === undefined) this.#insert(config);
    else this.#dispatch(existing, { type: "reload", config });
  }

  #insert(config: RegistrantConfig): LiveRecord {
    const live = new LiveRecord(createRecord(config, this.#ctx.random));
    this.#table.insert(live);
    this.#stateCounts[live.record.state] = (this.#stateCounts[live.record.state] ?? 0) + 1;
    if (config.shtag !== undefined && !this.#params.enableClustering) this.#warnTagsIgnored();
    return live;
  }

  /** Drops a record from the table; a REGISTERED one first sends its unREGISTER, followed until it ends. */
  #remove(live: LiveRecord): void {
    this.#table.remove(live.record.config.key);
    live.flags &= ~IN_TABLE;
    this.#stateCounts[live.record.state] = (this.#stateCounts[live.record.state] ?? 0) - 1;
    live.retiring = true;
    this.#dispatch(live, { type: "delete" });
    // The request in flight (or the unREGISTER just sent) is followed to its end, outside the table: core has disabled
    // the record, so a 200 to a REGISTER is answered by an unREGISTER; no REGISTER goes out for it any more.
    live.retiring = isInFlight(live.record.state);
  }

  #warnTagsIgnored(): void {
    if (this.#tagWarning) return;
    this.#tagWarning = true;
    this.#log.warn({}, "enable_clustering is off: sharing tags (cluster_shtag) are ignored, every record registers");
  }

  #command(key: RegistrantKey, event: RegistrantEvent): boolean {
    const live = this.#table.get(key);
    if (live === undefined) return false;
    this.#dispatch(live, event);
    return true;
  }

  /** One bucket visit (reference §3): every record of the bucket, in list order; inactive sharing tags skipped (§7). */
  #visit(bucket: number): void {
    if (this.#stopping) return;
    const clustering = this.#params.enableClustering;
    const now = this.#unixNow();
    const params = this.#ctx.params;
    for (const live of this.#table.bucket(bucket)) {
      if (clustering) {
        const t = live.record.config.shtag;
        if (t !== undefined && t.clusterId > 0 && !this.#activeTags.has(`${t.name}/${t.clusterId}`)) continue;
      }
      // Records with nothing due (most of them, most of the time) are not handed to core at all.
      if (visitDueAt(live.record, params) > now) continue;
      this.#dispatch(live, VISIT, now);
    }
  }

  /**
   * Hands one event to core and carries out its actions. Synchronous: the record's next event can only come after
   * this one is fully applied, so events of one record are serialized.
   */
  #dispatch(live: LiveRecord, event: RegistrantEvent, now: number = this.#unixNow()): void {
    let result: Step<RegistrantRecord>;
    try {
      result = step(live.record, event, now, this.#ctx);
    } catch (error) {
      this.#log.error(
        { key: formatKey(live.record.config.key), event: event.type, err: String(error) },
        "core refused an event",
      );
      return;
    }
    this.#setRecord(live, result.record);
    // A send the engine withholds (shutdown, deleted record) makes the step's state change fictitious: not emitted.
    let withheld = false;
    for (const action of result.actions) {
      if (action.type === "send") withheld = !this.#send(live, action.request, action.kind) || withheld;
      else if (!(withheld && action.type === "state-change")) this.#carryOut(live, action);
    }
  }

  #setRecord(live: LiveRecord, next: RegistrantRecord): void {
    const before = live.record.state;
    if (next === live.record) return;
    live.record = next;
    if (live.inTable && before !== next.state) {
      this.#stateCounts[before] = (this.#stateCounts[before] ?? 0) - 1;
      this.#stateCounts[next.state] = (this.#stateCounts[next.state] ?? 0) + 1;
    }
  }

  #carryOut(live: LiveRecord, action: RegistrantAction): void {
    switch (action.type) {
      case "send":
        this.#send(live, action.request, action.kind);
        return;
      case "persist-state":
        this.#persist(live, action.key, action.state);
        return;
      case "state-change": {
        const c = this.#counters;
        if (action.to === "REGISTERED_STATE") c.registered++;
        else if (action.to === "WRONG_CREDENTIALS_STATE") {
          c.failed++;
          c.authFailures++;
        } else if (action.to === "REGISTER_TIMEOUT_STATE") {
          c.failed++;
          c.registerTimeouts++;
        } else if (action.to === "INTERNAL_ERROR_STATE" || action.to === "REGISTRAR_ERROR_STATE") c.failed++;
        this.#log.debug({ key: action.key, from: action.from, to: action.to, reason: action.reason }, "state change");
        const event: StateChangeEvent = {
          key: action.key,
          from: action.from,
          to: action.to,
          reason: action.reason,
          at: action.at,
        };
        for (const listener of this.#listeners) {
          try {
            listener(event);
          } catch (error) {
            this.#log.error({ err: String(error) }, "state-change listener threw");
          }
        }
        return;
      }
      case "log":
        this.#log[action.level]({ key: live.record.config.key }, action.message);
        return;
    }
  }

  /** Queues a request; it goes out at once unless `maxInFlight` transactions are already in flight. */
  /** @returns false when the request is withheld (only unREGISTERs go out once stopping or for a deleted record) */
  #send(live: LiveRecord, coreRequest: CoreRequest, kind: string): boolean {
    const isUnregister = kind !== "REGISTER" && kind !== "REGISTER+auth";
    if ((this.#stopping || live.retiring) && !isUnregister) return false;
    const request = this.#toTransport(live, coreRequest);
    if (this.#counters.inFlight < this.#maxInFlight) this.#start(live, request, kind);
    else this.#queue.push({ live, request, kind });
    return true;
  }

  #toTransport(live: LiveRecord, r: CoreRequest): TransportRequest {
    const out: { -readonly [K in keyof TransportRequest]: TransportRequest[K] } = {
      method: r.method,
      requestUri: r.requestUri,
      headers: r.headers,
      callId: r.callId,
      cseq: r.cseq,
      nextHop: r.nextHop,
    };
    if (r.socket !== undefined) out.socket = r.socket;
    // The pin (reference §4.3) goes to the same protocol the reply came back over: that of our socket.
    const proto = live.socket?.slice(0, 3);
    if (r.destination !== undefined && (proto === "udp" || proto === "tcp" || proto === "tls")) {
      out.destination = { proto, address: r.destination.address, port: r.destination.port };
    }
    return out;
  }

  #start(live: LiveRecord, request: TransportRequest, kind: string): void {
    const c = this.#counters;
    c.inFlight++;
    if (kind === "REGISTER" || kind === "REGISTER+auth") c.registerSent++;
    else c.unregisterSent++;
    if (live.record.pending?.authenticated === true) c.authenticatedSent++;
    this.#transport.send(request).then(
      (outcome) => this.#finished(live, request, outcome),
      (error: unknown) =>
        this.#finished(live, request, {
          kind: "transport-error",
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
  }

  #finished(live: LiveRecord, request: TransportRequest, outcome: TransactionOutcome): void {
    const c = this.#counters;
    c.inFlight--;
    try {
      this.#onOutcome(live, request, outcome);
    } catch (error) {
      this.#log.error({ err: String(error) }, "handling a transaction outcome failed");
    }
    this.#drain();
  }

  #onOutcome(live: LiveRecord, request: TransportRequest, outcome: TransactionOutcome): void {
    const c = this.#counters;
    if (outcome.local !== undefined) live.socket = outcome.local;
    if (outcome.kind === "response") c.repliesReceived++;
    else if (outcome.kind === "timeout") c.timeouts++;
    else c.transportErrors++;
    // Replies for a record that was deleted or replaced are dropped (reference §5), except the unREGISTER exchange
    // of a retiring record, followed to its end.
    if (!live.inTable && !live.retiring) {
      c.lateRepliesDropped++;
      this.#log.debug({ key: live.record.config.key, callId: request.callId }, "reply for a removed record dropped");
      return;
    }
    const id = { callId: request.callId, cseq: request.cseq };
    let event: RegistrantEvent;
    if (outcome.kind === "response") {
      const remote = outcome.remote;
      event = {
        type: "response",
        response: outcome.response,
        request: id,
        destination: { family: isIPv6(remote.address) ? "IPv6" : "IPv4", address: remote.address, port: remote.port },
      };
    } else if (outcome.kind === "timeout") event = { type: "timeout", request: id };
    else event = { type: "transport-error", request: id, message: outcome.error.message };
    this.#dispatch(live, event);
    if (live.retiring && !isInFlight(live.record.state)) live.retiring = false;
  }

  #drain(): void {
    while (this.#counters.inFlight < this.#maxInFlight && this.#queueHead < this.#queue.length) {
      const next = this.#queue[this.#queueHead];
      this.#queue[this.#queueHead] = undefined as never;
      this.#queueHead++;
      if (next === undefined) continue;
      // Core may have abandoned the request meanwhile (tag backup, record replaced): send only what is still pending.
      const pending = next.live.record.pending;
      const current = next.live.retiring || next.live.inTable;
      // Once stopping, only unREGISTERs go out.
      const allowed = !this.#stopping || (next.kind !== "REGISTER" && next.kind !== "REGISTER+auth");
      if (
        current &&
        allowed &&
        pending !== undefined &&
        pending.cseq === next.request.cseq &&
        pending.callId === next.request.callId
      ) {
        this.#start(next.live, next.request, next.kind);
      }
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    }
    if (this.#counters.inFlight === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  #persist(live: LiveRecord, key: RegistrantKey, state: 0 | 1): void {
    const repository = this.#repository;
    if (repository === undefined) return;
    const write = async () => {
      try {
        await repository.updateState(key, state);
      } catch (error) {
        this.#counters.persistFailures++;
        this.#log.error(
          { key: formatKey(key), state, err: String(error) },
          "writing the record state to the database failed",
        );
      }
    };
    const previous = this.#persisting.get(live);
    const p: Promise<void> = previous === undefined ? write() : previous.then(write);
    this.#persisting.set(live, p);
    void p.then(() => {
      if (this.#persisting.get(live) === p) this.#persisting.delete(live);
    });
  }

  #whenIdle(timeoutMs: number): Promise<void> {
    if (this.#counters.inFlight === 0 && this.#queue.length - this.#queueHead === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#idle.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#idle.delete(done);
        this.#log.warn(
          { inFlight: this.#counters.inFlight },
          "shutdown: transactions still in flight at the time limit",
        );
        resolve();
      }, timeoutMs);
      this.#idle.add(done);
    });
  }

  #view(live: LiveRecord): RecordView {
    const v = recordView(live.record);
    const view: RecordView = { ...v, stateName: v.stateName };
    if (view.socket === undefined && live.socket !== undefined) view.socket = live.socket;
    return view;
  }
}

type CoreRequest = import("@uacreg/core").OutgoingRequest;

function rowKeyOf(row: RegistrantRow): RegistrantKey {
  return {
    aor: typeof row.aor === "string" ? row.aor : "",
    contact: typeof row.binding_URI === "string" ? row.binding_URI : "",
    registrar: typeof row.registrar === "string" ? row.registrar : "",
  };
}

/** `name/cluster_id` with the whitespace trimmed as core reads the column (reference §2.1). */
function normalizeTag(tag: string): string {
  const parsed = parseSharingTag(tag);
  if (typeof parsed === "string") throw new SharingTagError(tag, parsed);
  return `${parsed.name}/${parsed.clusterId}`;
}
