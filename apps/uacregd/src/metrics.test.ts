import dgram from "node:dgram";
import { once } from "node:events";
import { SipTransport } from "@uacreg/transport";
import { afterEach, describe, expect, it } from "vitest";
import { ENGINE_SERIES } from "./engine-series.js";
import { EventLoopDelaySampler } from "@uacreg/web-server";
import { Registry } from "prom-client";
import { DaemonMetrics, eventLoopLagSeries } from "./metrics.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** The exposition text without the process/runtime metrics (their values move on their own). */
async function ourSeries(m: DaemonMetrics): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split("\n").filter((l) => /^uacreg_(transport|records|engine|mi_calls|db_errors)/.test(l));
}
const labelsOf = (lines: string[]) => lines.map((l) => l.replace(/ \d+$/, ""));
const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

describe("the daemon's Prometheus series", () => {
  it("1,000 datagrams with distinct random method names leave the series and the /metrics size constant", async () => {
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
    open.push(t);
    const metrics = new DaemonMetrics({ states: () => ({}), engine: () => ({}), transport: () => t.counters });
    const port = Number(t.sockets()[0]!.split(":").at(-1));
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
    let answers = 0;
    s.on("message", () => answers++);
    const send = (i: number) => {
      const method = `M${i}${Math.random().toString(36).slice(2).toUpperCase()}${"Z".repeat(300)}`;
      s.send(
        `${method} sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK${i}\r\n` +
          `From: <sip:x@r>;tag=${i}\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c${i}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`,
        port,
        "127.0.0.1",
      );
    };
    send(0);
    while (answers < 1) await once(s, "message");
    const first = await ourSeries(metrics);
    for (let i = 1; i < 1000; i++) {
      send(i);
      if (i % 50 === 0) while (answers < i) await once(s, "message");
    }
    while (answers < 1000) await once(s, "message");
    const after = await ourSeries(metrics);
    expect(labelsOf(after)).toEqual(labelsOf(first));
    expect(after).toContain('uacreg_transport_requests_received_total{method="other"} 1000');
    // Only the digits of the counts changed ("1" → "1000", twice).
    expect(size(after) - size(first)).toBeLessThanOrEqual(6);
  });

  it("label values outside their fixed sets are counted as other", async () => {
    const metrics = new DaemonMetrics({
      states: () => ({ REGISTERED_STATE: 2, "made-up": 1 }),
      engine: () => ({ registerSent: 3, ["x".repeat(100)]: 4 }),
      transport: () => ({ dropped: 1, requestsReceived: { FLOOD: 5 }, injected: 7 }),
    });
    for (let i = 0; i < 200; i++) metrics.miCalls.inc({ command: `cmd${i}`, outcome: i % 2 ? "ok" : `weird${i}` });
    metrics.dbErrors.inc({ operation: "updateState" });
    metrics.dbErrors.inc({ operation: "DROP TABLE" }, 2);
    const lines = await ourSeries(metrics);
    expect(lines).toContain('uacreg_records{state="REGISTERED_STATE"} 2');
    expect(lines).toContain('uacreg_records{state="other"} 1');
    expect(lines).toContain("uacreg_engine_register_sent_total 3");
    expect(lines.filter((l) => l.includes("x".repeat(100)))).toEqual([]);
    expect(lines).toContain("uacreg_transport_messages_dropped_total 1");
    expect(lines).toContain('uacreg_transport_requests_received_total{method="other"} 5');
    expect(lines.filter((l) => l.includes("injected") || l.includes("FLOOD"))).toEqual([]);
    expect(lines).toContain('uacreg_db_errors_total{operation="other"} 2');
    const commands = new Set(
      lines.filter((l) => l.startsWith("uacreg_mi_calls_total")).map((l) => /command="([^"]*)"/.exec(l)![1]),
    );
    expect(commands.size).toBe(65);
    expect(commands.has("other")).toBe(true);
    const outcomes = new Set(
      lines.filter((l) => l.startsWith("uacreg_mi_calls_total")).map((l) => /outcome="([^"]*)"/.exec(l)![1]),
    );
    expect([...outcomes].sort()).toEqual(["ok", "other"]);
  });

  it("follows the Prometheus conventions: counters end in _total, gauges do not, every family has HELP", async () => {
    const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
    open.push(t);
    const engine = Object.fromEntries(Object.keys(ENGINE_SERIES).map((k, i) => [k, i + 1]));
    const metrics = new DaemonMetrics({ states: () => ({}), engine: () => engine, transport: () => t.counters });
    const text = await metrics.registry.metrics();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const help = new Set([...text.matchAll(/^# HELP (\S+) \S/gm)].map((m) => m[1]));
    expect(types.length).toBeGreaterThan(50);
    for (const [name, type] of types) {
      expect(help.has(name), `${name} has HELP`).toBe(true);
      if (type === "counter") expect(name, `${name} (counter)`).toMatch(/_total$/);
      else expect(name, `${name} (${type})`).not.toMatch(/_total$/);
      expect(name, "no milliseconds in a name").not.toMatch(/_ms\b|millis/);
    }
    // One family per engine counter, its value at scrape time; durations in seconds.
    expect(text).toMatch(/^uacreg_engine_register_sent_total 1$/m);
    expect(text).toMatch(/^# TYPE uacreg_engine_transactions_in_flight gauge$/m);
    expect(text).toMatch(
      new RegExp(`^uacreg_engine_last_takeover_duration_seconds ${engine.lastTakeoverMs! / 1000}$`, "m"),
    );
    // Exported once, by the cluster metrics.
    expect(text).not.toContain("call_id_resets");
  });
});

/** A clock whose one pending timer the test fires itself, late by the amount it chooses. */
class LateClock {
  t = 0;
  pending: { due: number; fn: () => void } | undefined;
  now = () => this.t;
  wallNow = () => this.t;
  setTimer(delayMs: number, fn: () => void) {
    this.pending = { due: this.t + delayMs, fn };
    return { cancel: () => (this.pending = undefined) };
  }
  fire(lateMs: number): void {
    const p = this.pending!;
    this.t = p.due + lateMs;
    p.fn();
  }
}

describe("uacreg_nodejs_eventloop_lag_*", () => {
  it("keeps prom-client's names, shows a stall as its length, and starts a new period at each scrape", async () => {
    const registry = new Registry();
    const clock = new LateClock();
    eventLoopLagSeries(registry, new EventLoopDelaySampler(clock, 100).reader());
    clock.fire(1);
    clock.fire(300); // the loop busy for 300 ms
    const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
    const first = await registry.metrics();
    for (const name of ["", "_min", "_max", "_mean", "_stddev", "_p50", "_p90", "_p99"]) {
      expect(first).toContain(`# TYPE uacreg_nodejs_eventloop_lag${name}_seconds gauge`);
    }
    expect(value(first, "uacreg_nodejs_eventloop_lag_max_seconds")).toBeCloseTo(0.3, 2);
    expect(value(first, "uacreg_nodejs_eventloop_lag_min_seconds")).toBeCloseTo(0.001, 3);
    expect(value(first, "uacreg_nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    clock.fire(5);
    const second = await registry.metrics();
    expect(value(second, "uacreg_nodejs_eventloop_lag_max_seconds")).toBeCloseTo(0.005, 3);
  });

  it("the daemon's registry has each family once (prom-client's own replaced)", async () => {
    const metrics = new DaemonMetrics({ states: () => ({}), engine: () => ({}), transport: () => ({}) });
    open.push(metrics);
    const text = await metrics.registry.metrics();
    expect(text.match(/^# TYPE uacreg_nodejs_eventloop_lag_p99_seconds gauge$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE uacreg_nodejs_eventloop_lag_seconds gauge$/gm)).toHaveLength(1);
  });
});
