/**
 * One node's clock 90 s ahead (issue 11 "Tests", docs/cluster.md §3.2, §3.3): three `uacregd` with the db backend
 * (timing `fast`) on PostgreSQL, 1,000 records; n3 runs under libfaketime (`LD_PRELOAD` libfaketime.so.1, `FAKETIME=+90s`).
 * libfaketime also fakes CLOCK_MONOTONIC by default, by the same constant offset, so the rate of n3's clocks is the
 * real one: the trust window (monotonic) is unaffected, and every stored or compared time is the database's. The
 * cluster still settles with one owner per unit, n3 shows its clock offset (≈ −90 s) in `cluster_status`, and when
 * n3 is killed the others take its records over within the failover bound, with no double registration: had n3
 * written its own wall clock into its session expiry, they would wait 90 s more.
 */
import { afterAll, describe, expect, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { awaitFailover, type StatusReply, startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const NAMES = ["n1", "n2", "n3"];
const OFFSET_MS = 90_000;
const FAKETIME = {
  LD_PRELOAD: process.env.UACREG_LIBFAKETIME ?? "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
  FAKETIME: `+${OFFSET_MS / 1000}s`,
};

describe("three nodes on postgres, n3 under faketime +90 s", () => {
  it("one owner per unit, n3 sees the database clock 90 s behind, and its SIGKILL fails over within the bound", async () => {
    const s = await startScenario({ engine: "postgres", prefix: "k_faketime", names: ["n1", "n2"] });
    try {
      await s.addNodes(["n3"], 4, {}, FAKETIME);
      const offsets = { n3: OFFSET_MS };
      const owners = await s.settle(NAMES);
      const n3 = s.node("n3");
      const status = await n3.daemon.mi<StatusReply>("cluster_status");
      expect(status.Node["DB clock offset ms"]).toBeGreaterThan(-OFFSET_MS - 2000);
      expect(status.Node["DB clock offset ms"]).toBeLessThan(-OFFSET_MS + 2000);
      // Its log times are 90 s ahead: proof that the node runs under the offset.
      const logged = Number(n3.logEntries().at(-1)?.time);
      expect(logged - Date.now()).toBeGreaterThan(OFFSET_MS - 5000);

      const lost = s.recordsOf("n3", owners);
      expect(lost.length).toBeGreaterThan(0);
      const killedAt = Date.now();
      expect((await n3.kill()).signal).toBe("SIGKILL");
      const failover = await awaitFailover(s, { at: killedAt, victim: "n3", survivors: ["n1", "n2"], lost, offsets });
      expect(failover.report.violations).toEqual([]);
      expect(failover.report.failover?.count).toBe(lost.length);
      expect(s.check(undefined, offsets).violations).toEqual([]);
      console.log(`postgres faketime +90 s, SIGKILL of the offset node: ${failover.summary}`);
    } finally {
      await s.stop();
    }
  });
});
