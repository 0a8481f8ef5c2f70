/**
 * The clustering series (cluster-metrics.ts): what a scrape shows from the lease member's counters and the engine's,
 * counters named `_total` with their fixed label sets, and the takeover histogram.
 */
import type { LeaseCounters } from "@uacreg/cluster";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ClusterMetrics, type ClusterMetricSources } from "./cluster-metrics.js";

const COUNTERS: LeaseCounters & { refusedJoins: number } = {
  renewOk: 40,
  renewFailed: 1,
  renewUnknown: 2,
  renewLatencyMs: 12,
  renewLatencyTotalMs: 480,
  joins: 2,
  fences: 1,
  claims: 9,
  claimsUnknown: 0,
  releases: 3,
  gained: 9,
  lost: { handoff: 3, taken: 0, fenced: 4, "session-lost": 0, released: 0 },
  refusedJoins: 1,
};

async function scrape(sources: ClusterMetricSources, takeovers: number[] = []): Promise<string[]> {
  const registry = new Registry();
  const metrics = new ClusterMetrics(registry, sources);
  for (const ms of takeovers) metrics.observeTakeover(ms);
  return (await registry.metrics()).split("\n").filter((l) => l.startsWith("uacreg_cluster_"));
}

describe("the cluster metrics", () => {
  it("show leases, records and trust owned here, renews by result, ownership changes by reason, joins and fences", async () => {
    const lines = await scrape(
      {
        leasesOwned: () => 5,
        recordsOwned: () => 1234,
        trustLeftMs: () => 4500,
        counters: () => COUNTERS,
        sendsSuppressed: () => 7,
        callIdResets: () => 1,
      },
      [250, 1500],
    );
    for (const line of [
      "uacreg_cluster_leases_owned 5",
      "uacreg_cluster_records_owned 1234",
      "uacreg_cluster_trust_remaining_seconds 4.5",
      'uacreg_cluster_renews_total{result="ok"} 40',
      'uacreg_cluster_renews_total{result="failed"} 1',
      'uacreg_cluster_renews_total{result="unknown"} 2',
      "uacreg_cluster_last_renew_latency_seconds 0.012",
      "uacreg_cluster_renew_latency_seconds_total 0.48",
      'uacreg_cluster_ownership_changes_total{reason="gained"} 9',
      'uacreg_cluster_ownership_changes_total{reason="handoff"} 3',
      'uacreg_cluster_ownership_changes_total{reason="fenced"} 4',
      'uacreg_cluster_ownership_changes_total{reason="session-lost"} 0',
      "uacreg_cluster_joins_total 2",
      "uacreg_cluster_refused_joins_total 1",
      "uacreg_cluster_fences_total 1",
      "uacreg_cluster_sends_suppressed_total 7",
      "uacreg_cluster_call_id_resets_total 1",
      'uacreg_cluster_takeover_duration_seconds_bucket{le="0.25"} 1',
      'uacreg_cluster_takeover_duration_seconds_bucket{le="2"} 2',
      "uacreg_cluster_takeover_duration_seconds_count 2",
    ]) {
      expect(lines).toContain(line);
    }
  });

  it("the static backend (no lease member) shows zeros, not missing or NaN series", async () => {
    const lines = await scrape({
      leasesOwned: () => 1,
      recordsOwned: () => 3,
      trustLeftMs: () => undefined,
      counters: () => undefined,
      sendsSuppressed: () => 0,
      callIdResets: () => 0,
    });
    expect(lines).toContain("uacreg_cluster_leases_owned 1");
    expect(lines).toContain("uacreg_cluster_trust_remaining_seconds 0");
    expect(lines).toContain("uacreg_cluster_joins_total 0");
    expect(lines.filter((l) => /NaN/.test(l))).toEqual([]);
  });
});
