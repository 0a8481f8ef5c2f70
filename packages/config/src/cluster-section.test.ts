import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

const PG = "postgres://postgres@127.0.0.1/test";
const on = { enable_clustering: 1 };

function refusedKey(doc: unknown): string {
  try {
    resolveConfig(doc, "/d");
  } catch (e) {
    if (e instanceof ConfigError) return e.key;
    throw e;
  }
  throw new Error("accepted");
}

describe("cluster: section (docs/cluster.md §7)", () => {
  it("picks the backend as documented: none without enable_clustering, db on a server database, static on SQLite", () => {
    expect(resolveConfig({}, "/d").cluster.backend).toBe("none");
    expect(resolveConfig({ registrant: on, db_url: PG }, "/d").cluster.backend).toBe("db");
    expect(resolveConfig({ registrant: on }, "/d").cluster.backend).toBe("static");
    expect(resolveConfig({ registrant: on, cluster: { backend: "db" } }, "/d").cluster.backend).toBe("db");
  });

  it("shards untagged records with the db backend and keeps OpenSIPS's every-node rule otherwise", () => {
    expect(resolveConfig({ registrant: on, db_url: PG }, "/d").cluster.untagged).toBe("shard");
    expect(resolveConfig({ registrant: on }, "/d").cluster.untagged).toBe("all");
    expect(resolveConfig({ registrant: on, db_url: PG, cluster: { untagged: "all" } }, "/d").cluster.untagged).toBe(
      "all",
    );
  });

  it("takes the timing profile and per-key overrides", () => {
    const fast = resolveConfig({ registrant: on, db_url: PG, cluster: { timing: "fast", poll_ms: 800 } }, "/d");
    expect(fast.cluster.timing).toEqual({
      lease_ms: 6000,
      renew_ms: 2000,
      margin_ms: 1000,
      poll_ms: 800,
      statement_timeout_ms: 1000,
    });
    expect(resolveConfig({}, "/d").cluster.timing.lease_ms).toBe(15_000);
  });

  it("reads the legacy clustering.active_tags into cluster.active_tags, canonical", () => {
    const c = resolveConfig({ registrant: on, clustering: { active_tags: [" edge / 2 "] } }, "/d").cluster;
    expect(c.active_tags).toEqual(["edge/2"]);
    expect(resolveConfig({ registrant: on, cluster: { active_tags: ["vip/1"] } }, "/d").cluster.active_tags).toEqual([
      "vip/1",
    ]);
  });

  it.each([
    [{ cluster: { backend: "db" } }, "cluster.backend"],
    [{ registrant: on, cluster: { backend: "redis" } }, "cluster.backend"],
    [{ registrant: on, cluster: { mode: "sometimes" } }, "cluster.mode"],
    [{ registrant: on, cluster: { node_name: "a b" } }, "cluster.node_name"],
    [{ registrant: on, cluster: { lease_ms: 0 } }, "cluster.lease_ms"],
    [{ registrant: on, cluster: { buckets: 0 } }, "cluster.buckets"],
    [{ registrant: on, cluster: { cseq_block: 1 } }, "cluster.cseq_block"],
    [{ registrant: on, cluster: { active_tags: ["vip"] } }, "cluster.active_tags[0]"],
    [
      { registrant: on, cluster: { active_tags: ["a/1"] }, clustering: { active_tags: ["a/1"] } },
      "clustering.active_tags",
    ],
    [{ registrant: on, cluster: { leases: 1 } }, "cluster.leases"],
    [{ registrant: on, cluster: { renew_ms: 15_000 } }, "cluster.renew_ms"],
    [{ registrant: on, cluster: { margin_ms: 16_000 } }, "cluster.margin_ms"],
  ])("refuses %j naming %s", (doc, key) => {
    expect(refusedKey(doc)).toBe(key);
  });
});
