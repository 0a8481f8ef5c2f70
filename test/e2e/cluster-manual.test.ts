/**
 * `cluster.backend: db` with `mode: manual` driven by the OpenSIPS MI commands (issue 11 "Tests", docs/cluster.md §3.5,
 * §5, §7; docs/opensips-behaviour.md §7): two `uacregd` on PostgreSQL, tags `t0/1` and `t1/1` configured active on a.
 * `clusterer_shtag_set_active t0/1` sent to b in opensips-cli's request shape stores b as the tag's preferred node:
 * a steps down (hands it off, sends nothing more for it), b claims it and REGISTERs its records with their Call-IDs
 * kept; `t1/1` stays on a. Bad tags get OpenSIPS's 400 and 404.
 */
import { afterAll, describe, expect, it } from "vitest";
import { expectOpenSipsTagErrors, opensipsCli } from "../support/cluster-mi.js";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { type Row, startScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

const ROWS: Row[] = Array.from({ length: 40 }, (_, i) => ({
  user: `m${i}`,
  aor: `sip:m${i}@reg.test`,
  binding: `sip:m${i}@127.0.0.1:5099`,
  tag: i % 2 === 0 ? "t0/1" : "t1/1",
}));

describe("two nodes on postgres, db backend in manual mode", () => {
  it("clusterer_shtag_set_active on b moves the tag's records to b and a steps down; errors as OpenSIPS", async () => {
    const s = await startScenario({
      engine: "postgres",
      prefix: "k_manual",
      names: ["a", "b"],
      rows: ROWS,
      config: { cluster: { mode: "manual" } },
      nodeConfig: { a: { cluster: { active_tags: ["t0/1", "t1/1"] } } },
    });
    try {
      const before = await s.settle(["a"]);
      expect(before.get("tag:t0/1")).toBe("a");
      expect(before.get("tag:t1/1")).toBe("a");
      const [a, b] = [s.node("a"), s.node("b")];
      expect(s.log.filter((e) => s.nodeOf(e) === "b")).toEqual([]);
      expect((await opensipsCli(b, "clusterer_list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "backup" },
        { Tag: "t1", Cluster: 1, State: "backup" },
      ]);

      // OpenSIPS's errors: a tag without a cluster id, an unknown cluster.
      await expectOpenSipsTagErrors(b);

      const movedAt = Date.now();
      const seenA = a.daemon.logs().length;
      expect(await opensipsCli(b, "clusterer_shtag_set_active", ["t0/1"])).toMatchObject({ result: "OK" });
      const t0 = ROWS.filter((r) => r.tag === "t0/1");
      await s.waitBack(t0, movedAt, ["b"], 20_000);
      await a.waitForLog(/"unit":"tag:t0\/1".*"reason":"handoff"/, 1000, seenA);
      const after = await s.settle(["a", "b"]);
      expect(after.get("tag:t0/1")).toBe("b");
      expect(after.get("tag:t1/1")).toBe("a");
      expect((await opensipsCli(b, "clusterer:list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "active" },
        { Tag: "t1", Cluster: 1, State: "backup" },
      ]);
      expect((await opensipsCli(a, "clusterer_list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "backup" },
        { Tag: "t1", Cluster: 1, State: "active" },
      ]);
      // Call-IDs kept across the move; a's t0 records NOT_REGISTERED (no unREGISTER); nothing from b for t1.
      for (const r of t0) expect(s.lastAccepted(r)?.callId).toBe(s.lastAccepted(r, movedAt)?.callId);
      const aRecords = await a.daemon.list();
      for (const r of t0) {
        expect(aRecords.find((x) => x.AOR === r.aor)?.state).toBe("NOT_REGISTERED_STATE");
      }
      expect(s.log.filter((e) => e.wildcard || e.contacts.some((c) => c.expires === 0))).toEqual([]);
      expect(
        s.log.filter((e) => s.nodeOf(e) === "b" && e.aor.startsWith("sip:m") && !t0.some((r) => r.aor === e.aor)),
      ).toEqual([]);
      expect(s.check().violations).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
