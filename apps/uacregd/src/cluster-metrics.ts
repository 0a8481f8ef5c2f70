/**
 * The clustering metrics (docs/cluster.md §3–§6; issue 11 "Metrics"), read at scrape time from the lease member and
 * the engine, except the takeover durations, observed as each takeover completes. Every label value comes from a
 * fixed set.
 */
import type { LeaseCounters, LossReason } from "@uacreg/cluster";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** `result` of a renew (docs/cluster.md §3.4): stored, refused (session expired or replaced), unknown (abandoned). */
export const RENEW_RESULTS = ["ok", "failed", "unknown"] as const;
/** `reason` of an ownership change: `gained`, or a loss reason of @uacreg/cluster. */
export const OWNERSHIP_REASONS: readonly ("gained" | LossReason)[] = [
  "gained",
  "handoff",
  "taken",
  "fenced",
  "session-lost",
  "released",
];

export interface ClusterMetricSources {
  /** Units held here (static: active tags). */
  leasesOwned(): number;
  /** Records of the units held here. */
  recordsOwned(): number;
  /** ms of trust left (db backend; undefined for static). */
  trustLeftMs(): number | undefined;
  /** The lease member's counters with the refused joins (db backend). */
  counters(): (LeaseCounters & { refusedJoins: number }) | undefined;
  /** From the engine's counters: sends the unit check or the send guard suppressed, and Call-ID resets. */
  sendsSuppressed(): number;
  callIdResets(): number;
}

/** A counter whose value is read from a monotonic source at scrape time. */
function readCounter(registry: Registry, name: string, help: string, read: () => number | undefined): Counter<string> {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      const v = read();
      if (v !== undefined && v > 0) this.inc(v);
    },
  });
}

export class ClusterMetrics {
  readonly #takeover: Histogram<string>;

  constructor(registry: Registry, s: ClusterMetricSources) {
    new Gauge({
      name: "uacreg_cluster_leases_owned",
      help: "Units of ownership (sharing tags, hash buckets) held by this node",
      registers: [registry],
      collect() {
        this.set(s.leasesOwned());
      },
    });
    new Gauge({
      name: "uacreg_cluster_records_owned",
      help: "Records of the units held by this node",
      registers: [registry],
      collect() {
        this.set(s.recordsOwned());
      },
    });
    new Gauge({
      name: "uacreg_cluster_trust_remaining_seconds",
      help: "Seconds before this node's trust deadline (docs/cluster.md §3.3); 0 when not trusted",
      registers: [registry],
      collect() {
        this.set((s.trustLeftMs() ?? 0) / 1000);
      },
    });
    new Counter({
      name: "uacreg_cluster_renews_total",
      help: "Session renewals by result: ok, failed (session lost), unknown (no answer in time)",
      labelNames: ["result"],
      registers: [registry],
      collect() {
        this.reset();
        const c = s.counters();
        if (c === undefined) return;
        const by: Record<(typeof RENEW_RESULTS)[number], number> = {
          ok: c.renewOk,
          failed: c.renewFailed,
          unknown: c.renewUnknown,
        };
        for (const result of RENEW_RESULTS) this.inc({ result }, by[result]);
      },
    });
    new Gauge({
      name: "uacreg_cluster_last_renew_latency_seconds",
      help: "Round trip of the last successful renew",
      registers: [registry],
      collect() {
        this.set((s.counters()?.renewLatencyMs ?? 0) / 1000);
      },
    });
    readCounter(
      registry,
      "uacreg_cluster_renew_latency_seconds_total",
      "Sum of the successful renews' round trips (divide by renews_total{result=ok} for the mean)",
      () => (s.counters()?.renewLatencyTotalMs ?? 0) / 1000,
    );
    new Counter({
      name: "uacreg_cluster_ownership_changes_total",
      help: "Units gained, and lost by reason (handoff, taken, fenced, session-lost, released)",
      labelNames: ["reason"],
      registers: [registry],
      collect() {
        this.reset();
        const c = s.counters();
        if (c === undefined) return;
        for (const reason of OWNERSHIP_REASONS) this.inc({ reason }, reason === "gained" ? c.gained : c.lost[reason]);
      },
    });
    readCounter(registry, "uacreg_cluster_joins_total", "Sessions started", () => s.counters()?.joins);
    readCounter(
      registry,
      "uacreg_cluster_refused_joins_total",
      "Joins refused: a live process runs under this node's name",
      () => s.counters()?.refusedJoins,
    );
    readCounter(
      registry,
      "uacreg_cluster_fences_total",
      "Trust deadlines passed or sessions lost",
      () => s.counters()?.fences,
    );
    readCounter(
      registry,
      "uacreg_cluster_sends_suppressed_total",
      "REGISTERs not written: unit not held at admission, or the send guard refused (docs/cluster.md §6)",
      () => s.sendsSuppressed(),
    );
    readCounter(
      registry,
      "uacreg_cluster_call_id_resets_total",
      "Inherited Call-IDs the registrar refused, replaced by a new one (docs/cluster.md §4)",
      () => s.callIdResets(),
    );
    this.#takeover = new Histogram({
      name: "uacreg_cluster_takeover_duration_seconds",
      help: "From a unit's gain to its last record's first REGISTER handed to the send path (docs/cluster.md §4)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [registry],
    });
  }

  /** One completed takeover. */
  observeTakeover(durationMs: number): void {
    this.#takeover.observe(durationMs / 1000);
  }
}
