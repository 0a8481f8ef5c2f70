/**
 * The daemon: config → DB adapter → engine (core + scheduler + transport) → MI servers → metrics.
 *
 * Start-up order keeps the operator in control: the SIP sockets and the MI come up first; the database is then
 * opened, retried with a clear log line while it is unreachable (MI answers meanwhile), its schema checked, and the
 * records loaded. `ready` resolves once the engine runs.
 */
import { randomBytes } from "node:crypto";
import { NodeNameInUseError } from "@uacreg/cluster";
import { describeDbUrlSource, parseHostPort, type UacregConfig } from "@uacreg/config";
import { DbError, maskDbUrl, openRepository, parseDbUrl, type RegistrantRepository, SchemaError } from "@uacreg/db";
import { type LoadReport, RegistrantEngine } from "@uacreg/engine";
import { MiFifoServer, MiHttpServer, MiRegistry, uptimeCommand, versionCommand } from "@uacreg/mi";
import { registerRegistrantCommands } from "@uacreg/registrant-mi";
import { systemClock } from "@uacreg/runtime";
import { SipTransport } from "@uacreg/transport";
import type { ClusterMetrics, ClusterMetricSources } from "./cluster-metrics.js";
import { CoalescedReload } from "./coalesced-reload.js";
import { makeDatabaseDirectory } from "./database-directory.js";
import { loadDbAdapter } from "./db-adapters.js";
import type { Logger } from "./logger.js";
import type { LeaseCluster } from "./lease-cluster.js";
import { registerEventSeries } from "./event-series.js";
import { DaemonMetrics } from "./metrics.js";
import { OpensipsEvents } from "./opensips-events.js";
import { miActionObserver } from "./mi-action-log.js";
import { RecordStateMetric } from "./record-state-metric.js";
import { SettledStates } from "./settled-state.js";
import { stateChangeLogger } from "./state-change-log.js";
import type { StaticCluster } from "./static-cluster.js";
import { USER_AGENT, VERSION_STRING } from "./version.js";
import { startWebStatus, type WebStatus } from "./web-status.js";

type Repo = Awaited<ReturnType<typeof openRepository>>;

export interface DaemonAddresses {
  sip: string[];
  miHttp?: { address: string; port: number };
  miFifo?: string;
  metrics?: { address: string; port: number };
  /** The status page (docs/web-api.md), when `web` is on. */
  web?: { address: string; port: number; url: string };
}

/**
 * A start-up failure the daemon has already logged (one fatal line naming the problem); the caller exits without
 * logging it again. Any other rejection of {@link Daemon.ready} is logged by the caller.
 */
export class StartUpError extends Error {
  override readonly name = "StartUpError";
}

/** Options of {@link Daemon.start} beyond the configuration. */
export interface DaemonOptions {
  /**
   * Reads the configuration file again (SIGHUP with `cluster.backend: static` applies the changes of
   * `cluster.active_tags`, docs/cluster.md §7). Absent: SIGHUP reloads the records only.
   */
  rereadConfig?: () => UacregConfig;
}

/** The clustering backend of this node (docs/cluster.md §7): none, or the one the MI commands drive. */
type ClusterBackend =
  | { kind: "none" }
  | { kind: "static"; cluster: StaticCluster }
  | { kind: "db"; cluster: LeaseCluster };

/** Uniform in [0, 1) from the operating system's generator: poll jitter and incarnations (docs/cluster.md §3.1). */
const cryptoRandom = (): number => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

export class Daemon {
  readonly addresses: DaemonAddresses;
  /** Resolves with the first load report once the records are loaded and the walk runs. */
  readonly ready: Promise<LoadReport>;
  #engine: RegistrantEngine | undefined;
  #repo: Repo | undefined;
  #stopped = false;
  #dbRetry: NodeJS.Timeout | undefined;
  #clusterMetrics: ClusterMetrics | undefined;
  #web: WebStatus | undefined;
  #opensips: OpensipsEvents | undefined;
  #settled = new SettledStates();
  readonly #reloads = new CoalescedReload(() => this.#reloadNow());

  private constructor(
    readonly config: UacregConfig,
    readonly log: Logger,
    readonly transport: SipTransport,
    readonly metrics: DaemonMetrics,
    readonly miHttp: MiHttpServer | undefined,
    readonly miFifo: MiFifoServer | undefined,
    readonly cluster: ClusterBackend,
    readonly options: DaemonOptions,
    addresses: DaemonAddresses,
    setEngine: (d: Daemon) => Promise<LoadReport>,
  ) {
    this.addresses = addresses;
    this.ready = setEngine(this);
    this.ready.catch(() => {});
  }

  get engine(): RegistrantEngine | undefined {
    return this.#engine;
  }

  static async start(config: UacregConfig, log: Logger, options: DaemonOptions = {}): Promise<Daemon> {
    // The adapter db_url names and its driver (with TypeORM, except on SQLite, which starts without it) are loaded
    // before the MI FIFO exists (a failure is reported when the database is opened): loaded later, their modules can
    // fail to resolve (@uacreg/db typeorm-module.ts).
    await loadDbAdapter(config.db_url).catch(() => undefined);
    const holder: { engine?: RegistrantEngine } = {};
    const transport = await SipTransport.open({
      listen: config.listen,
      timers: { t1Ms: config.tm.T1_timer, t2Ms: config.tm.T2_timer, frTimeoutS: config.tm.fr_timeout },
      tls: Object.fromEntries(
        Object.entries(config.tls).map(([spec, t]) => [
          spec,
          {
            ...(t.cert ? { cert: t.cert } : {}),
            ...(t.key ? { key: t.key } : {}),
            ...(t.ca ? { ca: t.ca } : {}),
            rejectUnauthorized: t.verify,
          },
        ]),
      ),
      userAgent: USER_AGENT,
      logger: log.child({ component: "transport" }),
    });
    const cleanup: Array<() => Promise<void>> = [() => transport.close()];
    try {
      const metrics = new DaemonMetrics({
        states: () => holder.engine?.stats() ?? {},
        engine: () => holder.engine?.counters() ?? {},
        transport: () => transport.counters,
      });
      const registry = new MiRegistry({ logger: log.child({ component: "mi" }) });
      registry.register(uptimeCommand({ startedAt: Date.now() }));
      registry.register(versionCommand(VERSION_STRING));
      // Every call counted; the ones that change something logged once with their key (mi-action-log.ts).
      const observe = miActionObserver(log.child({ component: "mi" }), metrics.miCalls);
      registerRegistrantCommands(registry, () => holder.engine, { observe });
      // E_REGISTRANT_* events, event_subscribe and the sr_* status reports (docs/events.md).
      const opensips = new OpensipsEvents(registry, { clock: systemClock, log, engine: () => holder.engine });
      cleanup.push(() => opensips.close());
      registerEventSeries(metrics.registry, () => opensips.counters());
      const settled = new SettledStates();
      const perRecord = config.metrics?.per_record;
      if (perRecord?.enabled) {
        const source = { snapshot: () => holder.engine?.snapshot() };
        new RecordStateMetric(metrics, source, settled, perRecord.max_records, log.child({ component: "metrics" }));
      }
      const cluster = await clusterBackend(config, log, transport, () => holder.engine);
      let clusterMetrics: ClusterMetrics | undefined;
      if (cluster.kind !== "none") {
        // Imported only with a cluster backend: a daemon without one never loads them (docs/performance-startup.md).
        const [{ registerClusterCommands }, { ClusterMetrics }] = await Promise.all([
          import("@uacreg/cluster-mi"),
          import("./cluster-metrics.js"),
        ]);
        registerClusterCommands(registry, cluster.cluster, { observe });
        clusterMetrics = new ClusterMetrics(
          metrics.registry,
          clusterMetricSources(cluster, () => holder.engine),
        );
      }
      const addresses: DaemonAddresses = { sip: transport.sockets() };
      let miHttp: MiHttpServer | undefined;
      if (config.mi.http) {
        const { host, port } = parseHostPort(config.mi.http.listen);
        miHttp = new MiHttpServer({
          registry,
          host,
          port,
          root: config.mi.http.root,
          maxRequestBytes: config.mi.http.max_body,
          maxConnections: config.mi.http.max_connections,
          idleTimeoutMs: config.mi.http.idle_timeout_ms,
          requestTimeoutMs: config.mi.http.request_timeout_ms,
          writeTimeoutMs: config.mi.http.write_timeout_ms,
          logger: log.child({ component: "mi_http" }),
        });
        const a = await miHttp.listen();
        const http = miHttp;
        cleanup.push(() => http.close());
        addresses.miHttp = { address: a.address, port: a.port };
      }
      let miFifo: MiFifoServer | undefined;
      if (config.mi.fifo) {
        miFifo = new MiFifoServer({
          registry,
          path: config.mi.fifo.path,
          replyDir: config.mi.fifo.reply_dir,
          mode: config.mi.fifo.mode,
          replyWriteTimeoutMs: config.mi.fifo.write_timeout_ms,
          logger: log.child({ component: "mi_fifo" }),
        });
        await miFifo.start();
        const fifo = miFifo;
        cleanup.push(() => fifo.stop());
        addresses.miFifo = config.mi.fifo.path;
      }
      if (config.metrics) {
        addresses.metrics = await metrics.listen(config.metrics.listen);
        cleanup.push(() => metrics.close());
      }
      const web = await startWebStatus(config, {
        registry,
        records: () => holder.engine,
        history: () => opensips.reports,
        log,
      });
      if (web) {
        cleanup.push(() => web.close());
        addresses.web = { ...web.address, url: web.url };
      }
      const dbUrlSource = config.db_url_source ? describeDbUrlSource(config.db_url_source) : undefined;
      log.info({ ...addresses, db_url: maskDbUrl(config.db_url), db_url_source: dbUrlSource }, "uacregd listening");
      return new Daemon(config, log, transport, metrics, miHttp, miFifo, cluster, options, addresses, async (d) => {
        d.#clusterMetrics = clusterMetrics;
        d.#web = web;
        d.#settled = settled;
        d.#opensips = opensips;
        const report = await d.#openAndLoad();
        holder.engine = d.#engine;
        opensips.loaded();
        return report;
      });
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => {});
      throw e;
    }
  }

  /** Opens the repository (retrying while the database is unreachable), checks the schema, starts the engine. */
  async #openAndLoad(): Promise<LoadReport> {
    const { config, log } = this;
    const url = parseDbUrl(config.db_url);
    const dbLog = log.child({ component: "db" });
    // Only the adapter (and driver) db_url names is loaded (db-adapters.ts).
    const adapter = await loadDbAdapter(config.db_url).catch((e: unknown) => this.#fail("cannot open the database", e));
    let delay = 1000;
    for (;;) {
      if (this.#stopped) throw new StartUpError("stopped before the database could be opened");
      try {
        makeDatabaseDirectory(config);
        const repo = await openRepository(
          config.db_url,
          { tableName: config.registrant.table_name, columns: config.registrant.columns },
          [adapter],
          { logger: dbLog },
        );
        this.#repo = repo;
        break;
      } catch (e) {
        if (!(e instanceof DbError) || !e.retryable) this.#fail("cannot open the database", e);
        log.warn({ db_url: maskDbUrl(config.db_url), err: errText(e), retryInMs: delay }, "database unreachable");
        this.metrics.dbErrors.inc({ operation: "open" });
        await new Promise<void>((r) => {
          this.#dbRetry = setTimeout(r, delay);
        });
        delay = Math.min(delay * 2, 30_000);
      }
    }
    const repo = this.#repo;
    try {
      await repo.checkSchema();
    } catch (e) {
      // The embedded SQLite default creates its own table on first start; any other engine is the operator's
      // database and is never altered implicitly (`uacreg db create` does it).
      if (!(url.scheme === "sqlite" && e instanceof SchemaError && !("found" in e && e.found !== undefined))) {
        this.#fail("the registrant table is not usable (run `uacreg db create` for a new one)", e);
      }
      log.info({ db_url: maskDbUrl(config.db_url) }, "creating the registrant table (version 3)");
      // It refuses a table it cannot complete (a column missing, no version row): that names the table and columns.
      await repo.createSchema().catch((err: unknown) => this.#fail("the registrant table is not usable", err));
    }
    const cluster = this.cluster;
    if (cluster.kind === "db") {
      // docs/cluster.md §2: the daemon creates the cluster tables when missing (idempotent, never altered).
      await repo.createClusterSchema().catch((err: unknown) => this.#fail("the cluster tables are not usable", err));
    }
    const r = config.registrant;
    const engine = new RegistrantEngine({
      transport: this.transport,
      repository: countingRepository(repo, (op) => this.metrics.dbErrors.inc({ operation: op })),
      params: {
        hashSize: r.hash_size,
        timerInterval: r.timer_interval,
        failureRetryInterval: r.failure_retry_interval,
        reregisterExpiryPercentage: r.reregister_expiry_percentage,
        defaultExpires: r.default_expires,
        enableClustering: r.enable_clustering,
        preemptiveAuth: r.preemptive_auth,
        unregisterOnShutdown: r.unregister_on_shutdown,
        maxExpires: r.max_expires,
        maxRetryAfter: r.max_retry_after,
      },
      activeTags: cluster.kind === "static" ? cluster.cluster.activeTags() : config.cluster.active_tags,
      ...(cluster.kind === "db"
        ? {
            ownership: cluster.cluster.ownership,
            dialogs: cluster.cluster.dialogs,
            takeoverRate: config.cluster.takeover_rate,
            cseqBlock: config.cluster.cseq_block,
          }
        : {}),
      logger: log.child({ component: "engine" }),
      userAgent: USER_AGENT,
      maxInFlight: r.max_in_flight,
    });
    // warn on entering a failure state, info on recovery, once per transition (state-change-log.ts).
    engine.onStateChange(stateChangeLogger(log, this.#settled));
    engine.onTakeover((e) => this.#clusterMetrics?.observeTakeover(e.durationMs));
    this.#opensips?.attach(engine);
    this.#web?.follow(engine);
    this.#engine = engine;
    if (cluster.kind === "db") {
      await cluster.cluster.join(repo.leaseStore({ logger: dbLog }), engine).catch((e: unknown) => {
        if (e instanceof NodeNameInUseError) {
          // One fatal line naming the node and when the other process's session expires (docs/cluster.md §3.1).
          const s = Math.ceil(Math.max(0, e.expiresInMs) / 1000);
          this.log.fatal(
            { node: e.node, incarnation: e.incarnation, expiresInMs: e.expiresInMs },
            `node name ${e.node} is in use by another live uacregd (its session expires in ${s} s unless renewed): start-up refused`,
          );
          throw new StartUpError("node name in use", { cause: e });
        }
        this.#fail("cannot join the cluster", e);
      });
      if (this.#stopped) throw new StartUpError("stopped before the cluster could be joined");
    }
    const report = await engine.start().catch((e: unknown) => this.#fail("cannot load the registrant records", e));
    if (cluster.kind === "db") cluster.cluster.loaded();
    if (report.rejected.length) this.metrics.dbErrors.inc({ operation: "row" }, report.rejected.length);
    log.info({ loaded: report.loaded, rejected: report.rejected.length }, "registrant records loaded");
    return report;
  }

  /** One fatal line naming the problem, then a {@link StartUpError} that says it was logged. */
  #fail(what: string, e: unknown): never {
    this.log.fatal({ err: errText(e) }, what);
    throw new StartUpError(what, { cause: e });
  }

  /**
   * SIGHUP: full reload from the database; the FIFO is recreated if it was removed. Coalesced: while a reload runs,
   * every further call joins the one queued after it (100 SIGHUPs in a second run two reloads).
   */
  reload(): Promise<void> {
    return this.#reloads.request();
  }

  async #reloadNow(): Promise<void> {
    await this.miFifo?.ensureFifo();
    this.#reapplyStaticTags();
    const engine = this.#engine;
    if (!engine) return;
    try {
      const report = await engine.reload();
      this.log.info({ loaded: report.loaded, rejected: report.rejected.length }, "reloaded");
    } catch (e) {
      this.metrics.dbErrors.inc({ operation: "reload" });
      this.log.error({ err: errText(e) }, "reload failed; the records in memory are kept");
    }
  }

  /** SIGHUP with the static backend: re-reads the file and applies the changes of `cluster.active_tags` (§7). */
  #reapplyStaticTags(): void {
    const { cluster, options } = this;
    if (cluster.kind !== "static" || options.rereadConfig === undefined) return;
    try {
      cluster.cluster.applyConfiguredTags(options.rereadConfig().cluster.active_tags);
    } catch (e) {
      this.log.error({ err: errText(e) }, "configuration not re-read; the sharing tags are unchanged");
    }
  }

  /**
   * Stops the walk, unregisters if configured, waits for transactions (bounded), closes everything. With the `db`
   * backend the engine stops first (it unregisters only when no other live member takes the records over,
   * docs/cluster.md §3.8), then the member leaves: its leases are released and the others are notified.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#dbRetry);
    this.#opensips?.stopping();
    const timeoutMs = this.config.registrant.shutdown_timeout * 1000;
    await this.#engine
      ?.stop({ unregister: this.config.registrant.unregister_on_shutdown, timeoutMs })
      .catch((e) => this.log.error({ err: errText(e) }, "engine stop failed"));
    if (this.cluster.kind === "db") {
      await this.cluster.cluster.stop().catch((e) => this.log.error({ err: errText(e) }, "cluster leave failed"));
    }
    await this.#web?.close().catch(() => {});
    await this.#opensips?.close().catch(() => {});
    await this.miHttp?.close().catch(() => {});
    await this.miFifo?.stop().catch(() => {});
    await this.metrics.close().catch(() => {});
    await this.transport.close().catch(() => {});
    await this.#repo?.close().catch(() => {});
    this.log.info({}, "uacregd stopped");
  }
}

/** The backend `cluster.backend` names; its module is imported only when one is configured. */
async function clusterBackend(
  config: UacregConfig,
  log: Logger,
  transport: SipTransport,
  engine: () => RegistrantEngine | undefined,
): Promise<ClusterBackend> {
  const section = config.cluster;
  const clusterLog = log.child({ component: "cluster" });
  if (section.backend === "static") {
    const { StaticCluster } = await import("./static-cluster.js");
    return { kind: "static", cluster: new StaticCluster(section.node_name, section.active_tags, engine, clusterLog) };
  }
  if (section.backend === "db") {
    const { LeaseCluster } = await import("./lease-cluster.js");
    const address = transport.sockets()[0] ?? section.node_name;
    const cluster = new LeaseCluster({ section, clock: systemClock, random: cryptoRandom, address, log: clusterLog });
    return { kind: "db", cluster };
  }
  return { kind: "none" };
}

/** What the cluster metrics read, per backend. */
function clusterMetricSources(
  backend: Exclude<ClusterBackend, { kind: "none" }>,
  engine: () => RegistrantEngine | undefined,
): ClusterMetricSources {
  const owned = (): string[] =>
    backend.kind === "db"
      ? backend.cluster.ownedUnits()
      : backend.cluster.status().leases.flatMap((l) => (l.owner !== undefined ? [l.unit] : []));
  return {
    leasesOwned: () => owned().length,
    recordsOwned: () => {
      const records = engine()?.unitRecords() ?? new Map<string, number>();
      return owned().reduce((n, unit) => n + (records.get(unit) ?? 0), 0);
    },
    trustLeftMs: () => (backend.kind === "db" ? backend.cluster.trustLeftMs() : undefined),
    counters: () => (backend.kind === "db" ? backend.cluster.counters() : undefined),
    sendsSuppressed: () => engine()?.counters().sendsFenced ?? 0,
    callIdResets: () => engine()?.counters().callIdResets ?? 0,
  };
}

/** Counts the repository's failures by operation for the metrics; behaviour unchanged. */
function countingRepository(repo: RegistrantRepository, count: (op: string) => void): RegistrantRepository {
  const wrap =
    <A extends unknown[], R>(op: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (e) {
        count(op);
        throw e;
      }
    };
  const loadPages = repo.loadPages?.bind(repo);
  return {
    loadAll: () => repo.loadAll(),
    ...(loadPages ? { loadPages } : {}),
    findOne: wrap("findOne", (k) => repo.findOne(k)),
    updateState: wrap("updateState", (k, s) => repo.updateState(k, s)),
    insert: wrap("insert", (r) => repo.insert(r)),
    upsert: wrap("upsert", (r) => repo.upsert(r)),
    delete: wrap("delete", (k) => repo.delete(k)),
    count: wrap("count", () => repo.count()),
    close: () => repo.close(),
  };
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
