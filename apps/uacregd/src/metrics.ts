/**
 * Prometheus metrics in the text exposition format (prom-client). Values that live in the engine and the transport
 * are read at scrape time, so the hot path never touches a metric object. Names follow the Prometheus conventions
 * (docs/observability.md): counters end in `_total`, gauges do not, units are in the name; `promtool check metrics`
 * passes on the whole output (test/e2e/metrics-promtool.test.ts).
 */
import { STATE_NAMES } from "@uacreg/core";
import { createServer, type Server } from "node:http";
import { parseHostPort } from "@uacreg/config";
import { type LagHistogram, processEventLoopDelay } from "@uacreg/web-server";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { ENGINE_SERIES, type SeriesSpec } from "./engine-series.js";
import { TRANSPORT_LABELLED_SERIES, TRANSPORT_SERIES } from "./transport-series.js";

/**
 * Every label value comes from a fixed set, so no input (a peer's method names, a table's content, an MI caller)
 * can add a Prometheus series: a value outside its set is added to the series labelled `other`.
 */
/** The registrant states (docs/opensips-behaviour.md §6), from core's one list. */
const STATE_LABELS: readonly string[] = STATE_NAMES;
const MI_OUTCOME_LABELS: readonly string[] = ["ok", "error"];
/**
 * MI command names reach the counter only for registered commands (docs/mi-protocol.md); the first
 * {@link NAMED_LABEL_LIMIT} distinct names get a series, later ones count as `other`.
 */
const NAMED_LABEL_LIMIT = 64;
/** Repository operations that can fail (the daemon's counting repository, start-up and reload). */
const DB_OPERATION_LABELS: readonly string[] = [
  "open",
  "row",
  "reload",
  "findOne",
  "updateState",
  "insert",
  "upsert",
  "delete",
  "count",
];

/** `value` when it is in `allowed`, else `other`. */
export function fixedLabel(value: string, allowed: readonly string[]): string {
  return allowed.includes(value) ? value : "other";
}

/** Sums `entries` per fixed label (values outside `allowed` go to `other`). */
function byFixedLabel(entries: Iterable<[string, number]>, allowed: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of entries) {
    const label = fixedLabel(k, allowed);
    out.set(label, (out.get(label) ?? 0) + n);
  }
  return out;
}

export interface MetricSources {
  /** Records per state name. */
  states(): Record<string, number>;
  /** Engine counters (REGISTER sent, failures, timeouts, auth failures …): the keys of `EngineCounters`. */
  engine(): Record<string, number>;
  /** Transport counters: the keys of `TransportCounters` (per-method and per-class maps nested). */
  transport(): object;
}

/**
 * A prom-client counter whose label values come from fixed sets: a list, or the first `n` distinct values seen (for
 * names the code registers, such as MI commands); any other value is counted under `other`.
 */
export class FixedLabelCounter<L extends string> {
  readonly #seen = new Map<L, Set<string>>();

  constructor(
    private readonly counter: Counter<L>,
    private readonly allowed: Record<L, readonly string[] | number>,
  ) {}

  inc(labels: Record<L, string>, value = 1): void {
    const bounded = {} as Record<L, string>;
    for (const name of Object.keys(labels) as L[]) bounded[name] = this.#bound(name, labels[name]);
    this.counter.inc(bounded, value);
  }

  #bound(name: L, value: string): string {
    const rule = this.allowed[name];
    if (typeof rule !== "number") return fixedLabel(value, rule);
    let seen = this.#seen.get(name);
    if (seen === undefined) {
      seen = new Set();
      this.#seen.set(name, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= rule) return "other";
    seen.add(value);
    return value;
  }
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly miCalls: FixedLabelCounter<"command" | "outcome">;
  readonly dbErrors: FixedLabelCounter<"operation">;
  #server: Server | undefined;
  readonly #textSources: Array<() => Promise<string>> = [];
  readonly #lag: LagHistogram;

  constructor(sources: MetricSources) {
    const registry = this.registry;
    // prom-client's event-loop histogram cannot be handed ours: its timer is made as coarse as it goes (one wakeup a
    // minute, issue 14) and its families are replaced by the same names read from the process's one sampler.
    collectDefaultMetrics({ register: registry, prefix: "uacreg_", eventLoopMonitoringPrecision: 60_000 });
    for (const name of EVENT_LOOP_LAG_FAMILIES)
      registry.removeSingleMetric(`uacreg_nodejs_eventloop_lag${name}seconds`);
    this.#lag = processEventLoopDelay().reader();
    eventLoopLagSeries(registry, this.#lag);
    // Gauges named `_total` break the convention (promtool: "non-counter metrics should not have _total suffix");
    // the same numbers are the sums of uacreg_nodejs_active_{handles,requests,resources}{type}.
    for (const kind of ["handles", "requests", "resources"]) {
      registry.removeSingleMetric(`uacreg_nodejs_active_${kind}_total`);
    }
    this.miCalls = new FixedLabelCounter(
      new Counter({
        name: "uacreg_mi_calls_total",
        help: "MI calls by command and outcome",
        labelNames: ["command", "outcome"],
        registers: [registry],
      }),
      { command: NAMED_LABEL_LIMIT, outcome: MI_OUTCOME_LABELS },
    );
    this.dbErrors = new FixedLabelCounter(
      new Counter({
        name: "uacreg_db_errors_total",
        help: "Database errors by operation",
        labelNames: ["operation"],
        registers: [registry],
      }),
      { operation: DB_OPERATION_LABELS },
    );
    new Gauge({
      name: "uacreg_records",
      help: "Registrant records per state",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [state, n] of byFixedLabel(Object.entries(sources.states()), STATE_LABELS)) this.set({ state }, n);
      },
    });
    for (const [key, spec] of Object.entries(ENGINE_SERIES)) {
      if (spec !== null) scrapedSeries(registry, spec, () => sources.engine()[key]);
    }
    for (const [key, spec] of Object.entries(TRANSPORT_SERIES)) {
      scrapedSeries(registry, spec, () => numberAt(sources.transport(), key));
    }
    for (const [key, spec] of Object.entries(TRANSPORT_LABELLED_SERIES)) {
      new Counter({
        name: spec.name,
        help: spec.help,
        labelNames: [spec.label],
        registers: [registry],
        collect() {
          this.reset();
          const map = (sources.transport() as Record<string, unknown>)[key];
          const entries = map && typeof map === "object" ? numericEntries(map) : [];
          const counts = byFixedLabel(entries, spec.values);
          for (const value of spec.values) this.inc({ [spec.label]: value }, counts.get(value) ?? 0);
        },
      });
    }
  }

  /**
   * Adds families written as text after the registry's (the per-record series, record-state-metric.ts): made in
   * slices across event-loop turns, where prom-client would format them in one block.
   */
  addTextSource(source: () => Promise<string>): void {
    this.#textSources.push(source);
  }

  /** The whole exposition: the registry's families, then the text sources'. */
  async text(): Promise<string> {
    let text = await this.registry.metrics();
    for (const source of this.#textSources) text += await source();
    return text;
  }

  /** Serves `GET /metrics` on host:port (loopback by default in the config). */
  async listen(listen: string): Promise<{ address: string; port: number }> {
    const { host, port } = parseHostPort(listen);
    const server = createServer((req, res) => {
      if (req.method !== "GET" || !req.url?.startsWith("/metrics")) {
        res.writeHead(404, { "content-length": 0 }).end();
        return;
      }
      this.text().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        () => res.writeHead(500, { "content-length": 0 }).end(),
      );
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const a = server.address();
    return typeof a === "object" && a ? { address: a.address, port: a.port } : { address: host, port };
  }

  async close(): Promise<void> {
    this.#lag.disable();
    const s = this.#server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections?.();
  }
}

/** The event-loop lag families prom-client names `nodejs_eventloop_lag_<name>seconds` (docs/observability.md). */
const EVENT_LOOP_LAG_FAMILIES = ["_", "_min_", "_max_", "_mean_", "_stddev_", "_p50_", "_p90_", "_p99_"] as const;

/**
 * `uacreg_nodejs_eventloop_lag_*` as prom-client writes them (same names and help), over the samples since the last
 * scrape of `histogram` (a reader of the process's one sampler: the lateness of a 100 ms timer, in seconds).
 * `uacreg_nodejs_eventloop_lag_seconds` is measured at the scrape: the time until a `setImmediate` runs.
 */
export function eventLoopLagSeries(registry: Registry, histogram: LagHistogram): void {
  histogram.enable();
  const gauge = (suffix: string, help: string) =>
    new Gauge({ name: `uacreg_nodejs_eventloop_lag${suffix}seconds`, help, registers: [registry] });
  // Registered first, as prom-client does: the registry collects in order, and this collect sets the others (from the
  // histogram, before its first await) and then starts the next period.
  new Gauge({
    name: "uacreg_nodejs_eventloop_lag_seconds",
    help: "Lag of event loop in seconds.",
    registers: [registry],
    async collect() {
      min.set(histogram.min / 1e9);
      max.set(histogram.max / 1e9);
      mean.set(histogram.mean / 1e9);
      stddev.set(histogram.stddev / 1e9);
      p50.set(histogram.percentile(50) / 1e9);
      p90.set(histogram.percentile(90) / 1e9);
      p99.set(histogram.percentile(99) / 1e9);
      histogram.reset();
      const start = process.hrtime.bigint();
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.set(Number(process.hrtime.bigint() - start) / 1e9);
    },
  });
  const min = gauge("_min_", "The minimum recorded event loop delay.");
  const max = gauge("_max_", "The maximum recorded event loop delay.");
  const mean = gauge("_mean_", "The mean of the recorded event loop delays.");
  const stddev = gauge("_stddev_", "The standard deviation of the recorded event loop delays.");
  const p50 = gauge("_p50_", "The 50th percentile of the recorded event loop delays.");
  const p90 = gauge("_p90_", "The 90th percentile of the recorded event loop delays.");
  const p99 = gauge("_p99_", "The 99th percentile of the recorded event loop delays.");
}

/** A family whose value is read at scrape time (a counter's source is monotonic); a missing value reads as 0. */
function scrapedSeries(registry: Registry, spec: NonNullable<SeriesSpec>, read: () => number | undefined): void {
  const scale = spec.scale ?? 1;
  const value = (): number => {
    const v = read();
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? v * scale : 0;
  };
  if (spec.type === "counter") {
    new Counter({
      name: spec.name,
      help: spec.help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  } else {
    new Gauge({
      name: spec.name,
      help: spec.help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  }
}

function numberAt(obj: object, key: string): number | undefined {
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === "number" ? v : undefined;
}

function numericEntries(obj: object): Array<[string, number]> {
  return Object.entries(obj).filter((e): e is [string, number] => typeof e[1] === "number");
}
