/**
 * The OpenSIPS event interface and status reports in Prometheus (docs/observability.md §1, docs/events.md): how many
 * notifications went to `udp:` and `tcp:` subscribers, how many were dropped (a subscriber that stops reading, a full
 * buffer) or failed, and how many records the status-report store holds. Read at scrape time from
 * {@link OpensipsEventCounters}; nothing on the event path touches a metric object.
 */
import { Counter, Gauge, type Registry } from "prom-client";

/** The counters `OpensipsEvents.counters()` gives (opensips-events.ts). */
export interface OpensipsEventCounters {
  /** Events raised that had at least one subscriber. */
  raised: number;
  /** Notifications handed to a sender (one per subscriber per event; the per-transport outcomes follow). */
  notifications: number;
  /** Subscriptions dropped because they expired. */
  expired: number;
  /** Notifications a sender failed to take (it threw). */
  failures: number;
  udpSent: number;
  udpDropped: number;
  udpErrors: number;
  tcpSent: number;
  tcpDropped: number;
  tcpErrors: number;
  /** Records with a status report. */
  statusReportRecords: number;
}

const DELIVERY: ReadonlyArray<
  [transport: "udp" | "tcp", outcome: "sent" | "dropped" | "error", key: keyof OpensipsEventCounters]
> = [
  ["udp", "sent", "udpSent"],
  ["udp", "dropped", "udpDropped"],
  ["udp", "error", "udpErrors"],
  ["tcp", "sent", "tcpSent"],
  ["tcp", "dropped", "tcpDropped"],
  ["tcp", "error", "tcpErrors"],
];

/** Registers the event-interface series on `registry`, reading `counters` at each scrape. */
export function registerEventSeries(registry: Registry, counters: () => OpensipsEventCounters): void {
  const n = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);
  new Counter({
    name: "uacreg_events_raised_total",
    help: "OpenSIPS events (E_REGISTRANT_*, E_CORE_SR_STATUS_CHANGED) raised with at least one subscriber",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(n(counters().raised));
    },
  });
  new Counter({
    name: "uacreg_event_notifications_total",
    help: "Event notifications to subscribers by transport (udp, tcp) and outcome (sent, dropped: buffer full, error)",
    labelNames: ["transport", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      const c = counters();
      for (const [transport, outcome, key] of DELIVERY) this.inc({ transport, outcome }, n(c[key]));
    },
  });
  new Counter({
    name: "uacreg_event_subscriptions_expired_total",
    help: "event_subscribe subscriptions removed because they expired",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(n(counters().expired));
    },
  });
  new Counter({
    name: "uacreg_event_sender_failures_total",
    help: "Notifications a subscriber's sender could not take (it failed before sending)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(n(counters().failures));
    },
  });
  new Gauge({
    name: "uacreg_status_report_records",
    help: "Records with a status report (sr_* uac_registrant group)",
    registers: [registry],
    collect() {
      this.set(n(counters().statusReportRecords));
    },
  });
}
