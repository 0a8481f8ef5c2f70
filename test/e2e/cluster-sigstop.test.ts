/**
 * A node frozen longer than its lease (issue 11 "Tests", docs/cluster.md §3.3, §3.7, §6): three `uacregd` with the db
 * backend (timing `fast`), 1,000 records. SIGSTOP of the busiest node for L + 3 s: the survivors take its records over
 * within the failover bound; on SIGCONT its trust deadline has passed, so its send guard writes nothing for the units it
 * lost (the registrar accepts no REGISTER from it for them), it fences, joins again as a new incarnation and gets its
 * share back. On PostgreSQL and MariaDB.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { awaitFailover, FAST, type StatusReply, startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const NAMES = ["n1", "n2", "n3"];

describe.each([["postgres" as const], ["mariadb" as const]])("three nodes on %s", (engine) => {
  it("SIGSTOP of the busiest node longer than the lease: survivors take over, the resumed node sends nothing accepted for what it lost, then rejoins", async () => {
    const s = await startScenario({ engine, prefix: "k_stop", names: NAMES });
    try {
      const owners = await s.settle();
      const victim = s.busiest(NAMES, owners);
      const survivors = NAMES.filter((n) => n !== victim);
      const lost = s.recordsOf(victim, owners);
      const node = s.node(victim);
      const seen = node.daemon.logs().length;
      const incarnation = (await node.daemon.mi<StatusReply>("cluster_status")).Node.Incarnation;

      const pausedAt = Date.now();
      node.pause();
      const failover = await awaitFailover(s, { at: pausedAt, victim, survivors, lost });
      // The fault: frozen for L + 3 s in all.
      await sleep(pausedAt + FAST.leaseMs + 3000 - Date.now());
      const resumedAt = Date.now();
      node.resume();

      // It fences (its trust deadline passed while frozen), joins as a new incarnation and owns units again.
      await node.waitForLog(/cluster: fenced, every unit stopped/, 10_000, seen);
      await node.waitForLog(/cluster: joined \(new session\)/, 20_000, seen);
      const owners2 = await s.settle(NAMES);
      const status = await node.daemon.mi<StatusReply>("cluster_status");
      expect(status.Node.State).toBe("member");
      expect(status.Node.Incarnation).not.toBe(incarnation);
      expect(s.recordsOf(victim, owners2).length).toBeGreaterThan(0);

      // The registrar's log: no REGISTER from a non-owner accepted after any takeover (the resumed node's late
      // refreshes included), no binding went backwards, every lost record back within the bound.
      const report = s.check({
        at: pausedAt,
        deadlineMs: failover.deadlineMs,
        node: victim,
        byNodes: survivors,
        records: lost.map(s.keyOf),
      });
      expect(report.violations).toEqual([]);
      expect(report.failover?.count).toBe(lost.length);
      // Before it gained a unit again, the resumed node changed no binding of a record it had lost.
      const regainedAt = Math.min(
        ...s
          .changes()
          .filter((c) => c.node === victim && c.reason === "gained" && c.at > resumedAt)
          .map((c) => c.at),
      );
      const lostKeys = new Set(lost.map(s.keyOf));
      const late = s.log.filter(
        (e) =>
          e.at >= resumedAt &&
          e.at < regainedAt &&
          s.nodeOf(e) === victim &&
          e.contacts.some((c) => lostKeys.has(`${e.aor} ${c.uri}`)),
      );
      expect(Number.isFinite(regainedAt)).toBe(true);
      expect(late.filter((e) => e.changed)).toEqual([]);
      console.log(
        `${engine} SIGSTOP ${FAST.leaseMs + 3000} ms: ${failover.summary}; REGISTERs from the resumed node for lost ` +
          `records before it regained a unit: ${late.length}; rejoined and settled ${Date.now() - resumedAt} ms after SIGCONT`,
      );
    } finally {
      await s.stop();
    }
  });
});
