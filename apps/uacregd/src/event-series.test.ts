import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { type OpensipsEventCounters, registerEventSeries } from "./event-series.js";

const counters: OpensipsEventCounters = {
  raised: 5,
  notifications: 10,
  expired: 1,
  failures: 0,
  udpSent: 4,
  udpDropped: 0,
  udpErrors: 1,
  tcpSent: 3,
  tcpDropped: 2,
  tcpErrors: 0,
  statusReportRecords: 7,
};

describe("event interface series (docs/observability.md)", () => {
  it("shows notifications per transport and outcome, read at scrape time", async () => {
    const registry = new Registry();
    const live = { ...counters };
    registerEventSeries(registry, () => live);
    let text = await registry.metrics();
    expect(text).toMatch(/^uacreg_events_raised_total 5$/m);
    expect(text).toMatch(/^uacreg_event_notifications_total\{transport="tcp",outcome="dropped"\} 2$/m);
    expect(text).toMatch(/^uacreg_event_notifications_total\{transport="udp",outcome="error"\} 1$/m);
    expect(text).toMatch(/^uacreg_status_report_records 7$/m);
    live.tcpDropped = 9;
    text = await registry.metrics();
    expect(text).toMatch(/^uacreg_event_notifications_total\{transport="tcp",outcome="dropped"\} 9$/m);
  });
});
