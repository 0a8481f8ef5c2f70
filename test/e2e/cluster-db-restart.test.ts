/**
 * Database restart (issue 11 "Tests", docs/cluster.md §3.3, §3.8): three `uacregd` with the db backend on a PostgreSQL
 * server of this test's own (test/support/cluster-private-postgres.ts: the shared one serves other test files), lease
 * L = 10 s, renew R = 2 s, margin M = 1 s, poll 1 s, 1,000 records.
 * - A short restart (< L − M − R) changes nothing: no fence, no ownership change, no REGISTER.
 * - A long one (> L) fences every node at its deadline (the bindings stay at the registrar); once the database is back
 *   every node joins again as a new incarnation and every record is REGISTERED again, with no double registration.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { pollUntil, stopAllClusters } from "../support/cluster-nodes.js";
import { type PrivatePostgres, startPrivatePostgres } from "../support/cluster-private-postgres.js";
import { type Scenario, type StatusReply, startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const NAMES = ["n1", "n2", "n3"];
const TIMING = { lease_ms: 10_000, renew_ms: 2000, margin_ms: 1000, poll_ms: 1000, statement_timeout_ms: 1000 };
const SAFE_OUTAGE_MS = TIMING.lease_ms - TIMING.margin_ms - TIMING.renew_ms;

/** Resolves once every node's last renew was sent after `since`: trust left = t0 + L − M − now (docs/cluster.md §3.3). */
async function renewedSince(s: Scenario, since: number): Promise<void> {
  await pollUntil(
    async () => {
      const views = await Promise.all(
        s.nodes.map(async (n) => {
          const asked = Date.now();
          const v = await n.daemon.mi<StatusReply>("cluster_status");
          return asked + (v.Node["Trust left ms"] ?? 0) - (TIMING.lease_ms - TIMING.margin_ms);
        }),
      );
      return views.every((t0) => t0 > since);
    },
    TIMING.lease_ms,
    () => "a node did not renew after the restart",
  );
}

describe("three nodes on a private PostgreSQL", () => {
  let pg: PrivatePostgres | undefined;
  afterAll(async () => pg?.close());

  it("a short restart changes nothing; a long one fences every node, and they rejoin and register everything again", async () => {
    pg = await startPrivatePostgres();
    const server = pg;
    const s = await startScenario({
      engine: "postgres",
      prefix: "k_restart",
      names: NAMES,
      server: server.url,
      config: { cluster: TIMING },
    });
    try {
      const owners = await s.settle();
      const incarnations = await Promise.all(
        s.nodes.map(async (n) => (await n.daemon.mi<StatusReply>("cluster_status")).Node.Incarnation),
      );

      // Short: stop and start again at once.
      const seen = s.nodes.map((n) => n.daemon.logs().length);
      const sent = s.log.length;
      const downAt = Date.now();
      await server.stop();
      await server.start();
      const upAt = Date.now();
      expect(upAt - downAt).toBeLessThan(SAFE_OUTAGE_MS);
      await renewedSince(s, upAt);
      for (const [i, n] of s.nodes.entries()) {
        const lines = n.daemon.logs().slice(seen[i]);
        expect(lines.filter((l) => /cluster: (fenced|ownership changed|joined)/.test(l))).toEqual([]);
        expect((await n.daemon.mi<StatusReply>("cluster_status")).Node.Incarnation).toBe(incarnations[i]);
      }
      expect(s.log.slice(sent)).toEqual([]);
      const short = upAt - downAt;

      // Long: down for L + 2 s. Every node fences at its deadline.
      const longDownAt = Date.now();
      await server.stop();
      await Promise.all(
        s.nodes.map((n, i) => n.waitForLog(/cluster: fenced, every unit stopped/, TIMING.lease_ms, seen[i])),
      );
      await sleep(longDownAt + TIMING.lease_ms + 2000 - Date.now());
      await server.start();
      const backAt = Date.now();
      await Promise.all(s.nodes.map((n, i) => n.waitForLog(/cluster: joined \(new session\)/, 20_000, seen[i])));
      await s.waitBack(s.rows, backAt, NAMES, 30_000);
      await s.settle(NAMES);
      // Nothing was unregistered; no REGISTER while the nodes were fenced; no double registration.
      expect(s.log.filter((e) => e.wildcard || e.contacts.some((c) => c.expires === 0))).toEqual([]);
      const fencedAt = Math.max(
        ...s
          .changes()
          .filter((c) => c.reason === "fenced")
          .map((c) => c.at),
      );
      expect(s.log.filter((e) => e.at > fencedAt && e.at < backAt)).toEqual([]);
      expect(s.check().violations).toEqual([]);
      const times = s.rows.map(
        (r) => (s.log.find((e) => e.at >= backAt && e.changed && e.aor === r.aor)?.at ?? 0) - backAt,
      );
      console.log(
        `private postgres: short restart ${short} ms (safe < ${SAFE_OUTAGE_MS} ms): no change; long restart ` +
          `${backAt - longDownAt} ms: all ${NAMES.length} nodes fenced, ${s.rows.length} records REGISTERED again ` +
          `${Math.min(...times)}..${Math.max(...times)} ms after the database was back (${owners.size} units)`,
      );
    } finally {
      await s.stop();
    }
  }, 300_000); // two restarts of a private server and three nodes' 1,000 records twice: ~70 s alone, ~150 s loaded
});
