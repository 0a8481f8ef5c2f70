/**
 * Graceful stop (issue 11 "Tests", docs/cluster.md §3.8): three `uacregd` with the db backend (timing `fast`) on
 * PostgreSQL, 1,000 records, `unregister_on_shutdown` on. SIGTERM of the busiest node: it releases its leases and NOTIFYs
 * instead of unregistering (other members are live, so no unREGISTER), and the survivors take its records over within
 * about one poll, far sooner than the lease time a crash costs, with no double registration.
 */
import { afterAll, describe, expect, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { awaitFailover, FAST, startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const NAMES = ["n1", "n2", "n3"];

describe("three nodes on postgres", () => {
  it("SIGTERM of the busiest node releases its leases, sends no unREGISTER, and the survivors take over within about one poll", async () => {
    const s = await startScenario({
      engine: "postgres",
      prefix: "k_term",
      names: NAMES,
      config: { registrant: { unregister_on_shutdown: true } },
    });
    try {
      const owners = await s.settle();
      const victim = s.busiest(NAMES, owners);
      const survivors = NAMES.filter((n) => n !== victim);
      const lost = s.recordsOf(victim, owners);
      const lostUnits = new Set(lost.map(s.unitOf));
      const node = s.node(victim);

      const stoppedAt = Date.now();
      expect(await node.terminate()).toEqual({ code: 0, signal: null });
      // Every lease it held was released, each with its log line.
      const released = s.changes().filter((c) => c.node === victim && c.reason === "released" && c.at >= stoppedAt);
      expect(new Set(released.map((c) => c.unit))).toEqual(lostUnits);
      const failover = await awaitFailover(s, { at: stoppedAt, victim, survivors, lost });
      expect(failover.report.violations).toEqual([]);
      expect(failover.report.failover?.count).toBe(lost.length);
      // Within about one poll (NOTIFY makes the survivors poll at once), not after the lease expired.
      expect(failover.report.failover?.maxMs).toBeLessThan(FAST.leaseMs);
      // No unREGISTER from the stopping node (its records are taken over, not removed).
      const removals = s.log.filter(
        (e) => e.at >= stoppedAt && (e.wildcard || e.contacts.some((c) => c.expires === 0)),
      );
      expect(removals).toEqual([]);
      expect(s.log.filter((e) => e.at >= stoppedAt && s.nodeOf(e) === victim)).toEqual([]);
      console.log(`postgres SIGTERM: ${failover.summary}`);
    } finally {
      await s.stop();
    }
  });
});
