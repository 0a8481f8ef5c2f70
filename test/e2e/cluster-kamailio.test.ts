/**
 * Kamailio as the registrar of a cluster (issue 11 "Tests", docs/cluster.md §4): three `uacregd` with the db backend
 * (timing `fast`) on PostgreSQL register 1,000 records to a real Kamailio 5.6 (test/support/kamailio.ts: usrloc writes
 * every binding through to its `location` table). SIGKILL of the busiest node: every one of its records' bindings is
 * refreshed by a survivor within the failover bound with the same Call-ID and a higher CSeq (so Kamailio's CSeq check,
 * RFC 3261 §10.3 step 7, accepts it as the same registration), and no other binding goes backwards.
 */
import { afterAll, describe, expect, it } from "vitest";
import { pollUntil, stopAllClusters } from "../support/cluster-nodes.js";
import { failoverDeadlineMs, SCENARIO_RECORDS, scenarioRows, startScenario } from "../support/cluster-scenario.js";
import { type KamailioBinding, startKamailio, stopAllKamailio } from "../support/kamailio.js";

afterAll(async () => {
  await stopAllClusters();
  await stopAllKamailio();
});

const NAMES = ["n1", "n2", "n3"];
const ROWS = scenarioRows(SCENARIO_RECORDS);

describe("three nodes on postgres, Kamailio as the registrar", () => {
  it("after SIGKILL of the busiest node every one of its bindings is refreshed with its Call-ID kept and a higher CSeq", async () => {
    const kam = await startKamailio({
      subscribers: ROWS.map((r) => ({ username: r.user, domain: "reg.test", password: `pw-${r.user}` })),
    });
    const s = await startScenario({
      engine: "postgres",
      prefix: "k_kam",
      names: NAMES,
      rows: ROWS,
      registrarUri: `sip:127.0.0.1:${kam.port}`,
    });
    try {
      const byUser = (bindings: KamailioBinding[]) => new Map(bindings.map((b) => [b.username, b]));
      await kam.waitForLocations((b) => byUser(b).size === ROWS.length, 60_000);
      const owners = await s.settle(NAMES);
      const before = byUser(kam.locations());
      expect(kam.locations()).toHaveLength(ROWS.length); // one binding per record: no node registered another Call-ID
      const victim = s.busiest(NAMES, owners);
      const lost = s.recordsOf(victim, owners);

      const killedAt = Date.now();
      expect((await s.node(victim).kill()).signal).toBe("SIGKILL");
      const deadlineMs = failoverDeadlineMs(lost.length);
      const refreshed = (now: Map<string, KamailioBinding>) =>
        lost.every((r) => (now.get(r.user)?.cseq ?? 0) > (before.get(r.user)?.cseq ?? Number.POSITIVE_INFINITY));
      await pollUntil(
        () => refreshed(byUser(kam.locations())),
        deadlineMs + 10_000,
        () =>
          `refreshed ${lost.filter((r) => (byUser(kam.locations()).get(r.user)?.cseq ?? 0) > (before.get(r.user)?.cseq ?? 0)).length}/${lost.length}`,
      );
      const tookMs = Date.now() - killedAt;
      expect(tookMs).toBeLessThanOrEqual(deadlineMs);
      const after = kam.locations();
      expect(after).toHaveLength(ROWS.length);
      const now = byUser(after);
      for (const r of ROWS) {
        const [b, a] = [before.get(r.user), now.get(r.user)];
        expect(a?.contact).toBe(r.binding);
        expect(a?.callId).toBe(b?.callId);
        expect(a?.cseq).toBeGreaterThanOrEqual(b?.cseq ?? 0);
      }
      expect(kam.log).not.toMatch(/Invalid CSeq/i);
      console.log(
        `postgres + Kamailio: SIGKILL of ${victim} (${lost.length} of ${ROWS.length} records): every binding refreshed ` +
          `with its Call-ID and a higher CSeq ${tookMs} ms after the kill (bound ${deadlineMs} ms)`,
      );
    } finally {
      await s.stop();
      await kam.stop();
    }
  });
});
