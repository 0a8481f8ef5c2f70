/**
 * A node joining a running cluster (issue 11 "Tests", docs/cluster.md §3.5): two `uacregd` with the db backend (timing
 * `fast`, `max_handoffs: 2`) on PostgreSQL own 1,000 records; a third joins. Rendezvous hashing moves about a third of
 * the units to it, handed off by their old owners (at most two per poll each), and each moved record is REGISTERED once from the
 * new node with its Call-ID kept: no record is unregistered, none is registered by two nodes. Prints the rebalance
 * figures (units moved, time to settle).
 */
import { rendezvousOwner } from "@uacreg/cluster";
import { afterAll, describe, expect, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const MAX_HANDOFFS = 2;

describe("two nodes on postgres, then a third", () => {
  it("a joining node gets about a third of the units, handed off by their owners, with no unREGISTER and no double registration", async () => {
    const s = await startScenario({
      engine: "postgres",
      prefix: "k_join",
      names: ["n1", "n2"],
      config: { cluster: { max_handoffs: MAX_HANDOFFS } },
    });
    try {
      const before = await s.settle(["n1", "n2"]);
      const units = [...before.keys()];
      const joinedAt = Date.now();
      await s.addNodes(["n3"], 4, { cluster: { max_handoffs: MAX_HANDOFFS } });
      const after = await s.settle(["n1", "n2", "n3"]);
      const settledMs = Date.now() - joinedAt - 3000; // settle() waited 3 s with no ownership change

      // The units n3 got are exactly those rendezvous hashing gives it among three (docs/cluster.md §3.5), about 1/3.
      const moved = units.filter((u) => after.get(u) === "n3");
      expect(moved.sort()).toEqual(units.filter((u) => rendezvousOwner(u, ["n1", "n2", "n3"]) === "n3").sort());
      expect(moved.length / units.length).toBeGreaterThan(0.15);
      expect(moved.length / units.length).toBeLessThan(0.55);
      for (const u of units) if (after.get(u) !== "n3") expect(after.get(u)).toBe(before.get(u));

      // Every moved unit was handed off by its old owner (stopped there first, then released), none taken from it.
      // max_handoffs (2) caps the handoffs of one poll; each release NOTIFYs (PostgreSQL) so the next poll, and step,
      // follows at once: the timeline below shows the steps, the log does not mark poll boundaries.
      const handoffs = s.changes().filter((c) => c.reason === "handoff" && c.at >= joinedAt);
      expect(handoffs.map((c) => c.unit).sort()).toEqual([...moved].sort());
      expect(s.changes().filter((c) => c.reason === "taken" && c.at >= joinedAt)).toEqual([]);

      // The registrar's log: the moved records REGISTERED from n3 with their Call-ID kept, nothing unregistered,
      // no non-owner change after a takeover, nothing backwards.
      const movedRows = s.rows.filter((r) => moved.includes(s.unitOf(r)));
      for (const r of movedRows) {
        const last = s.lastAccepted(r);
        expect(s.nodeOf(last)).toBe("n3");
        expect(last?.callId).toBe(s.lastAccepted(r, joinedAt)?.callId);
      }
      expect(s.log.filter((e) => e.wildcard || e.contacts.some((c) => c.expires === 0))).toEqual([]);
      const report = s.check();
      expect(report.violations).toEqual([]);
      console.log(
        `postgres join: ${moved.length} of ${units.length} units (${movedRows.length} of ${s.rows.length} records) ` +
          `moved to n3, settled ${settledMs} ms after it started; handoffs (node+ms after the start): ${handoffs.map((c) => `${c.node}+${c.at - joinedAt}`).join(" ")}`,
      );
    } finally {
      await s.stop();
    }
  });
});
