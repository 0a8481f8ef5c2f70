/**
 * Prometheus metrics in the text exposition format (prom-client). Values that live in the engine and the transport
 * are read at scrape time, so the hot path never touches a metric object.
 */
import { createServer, type Server } from "node:http";
import { parseHostPort } from "@uacreg/config";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export interface MetricSources {
  /** Records per state name. */
  states(): Record<string, number>;
  /** Engine counters (REGISTER sent, failures, timeouts, auth failures …), monotonic. */
  engine(): Record<string, number>;
  /** Transport counters; nested objects are flattened with `_`. */
  transport(): object;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly miCalls: Counter<"command" | "outcome">;
  readonly dbErrors: Counter<"operation">;
  #server: Server | undefined;

  constructor(sources: MetricSources) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: "uacreg_", eventLoopMonitoringPrecision: 20 });
    this.miCalls = new Counter({
      name: "uacreg_mi_calls_total",
      help: "MI calls by command and outcome",
      labelNames: ["command", "outcome"],
      registers: [registry],
    });
    this.dbErrors = new Counter({
      name: "uacreg_db_errors_total",
      help: "Database errors by operation",
      labelNames: ["operation"],
      registers: [registry],
    });
    new Gauge({
      name: "uacreg_records",
      help: "Registrant records per state",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(sources.states())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "uacreg_engine_events",
      help: "Engine counters (monotonic): REGISTER sent and failed, transaction timeouts, auth failures, ...",
      labelNames: ["event"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [event, n] of Object.entries(sources.engine())) this.set({ event }, n);
      },
    });
    new Gauge({
      name: "uacreg_transport",
      help: "Transport counters: messages sent/received, retransmissions, timeouts, dropped datagrams, parse errors, connections",
      labelNames: ["counter"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [counter, n] of flatten(sources.transport())) this.set({ counter }, n);
      },
    });
  }

  /** Serves `GET /metrics` on host:port (loopback by default in the config). */
  async listen(listen: string): Promise<{ address: string; port: number }> {
    const { host, port } = parseHostPort(listen);
    const server = createServer((req, res) => {
      if (req.method !== "GET" || !req.url?.startsWith("/metrics")) {
        res.writeHead(404, { "content-length": 0 }).end();
        return;
      }
      this.registry.metrics().then(
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
    const s = this.#server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections?.();
  }
}

function* flatten(obj: object, prefix = ""): Generator<[string, number]> {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === "number") yield [prefix + k, v];
    else if (v && typeof v === "object") yield* flatten(v as object, `${prefix}${k}_`);
  }
}
