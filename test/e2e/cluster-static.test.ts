/**
 * `cluster.backend: static` end to end (docs/cluster.md §7, docs/opensips-behaviour.md §7): two `uacregd` on
 * 127.0.0.2/.3 sharing one database, tag `t0/1` active on a. `clusterer_shtag_set_active` sent to b over MI HTTP in
 * opensips-cli's request shape makes b register the tag's records at once; SIGHUP after editing a's file makes the tag
 * backup on a. OpenSIPS's errors for a bad tag and an unknown cluster.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { RegisterLogEntry } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import { expectOpenSipsTagErrors, opensipsCli } from "../support/cluster-mi.js";
import { parse, stringify } from "yaml";
import {
  type ClusterNode,
  pollUntil,
  startCluster,
  startLoggingRegistrar,
  stopAllClusters,
} from "../support/cluster-nodes.js";
import { registrantRow } from "../support/uacregd.js";

afterAll(stopAllClusters);

describe("two nodes, static sharing tags driven by the OpenSIPS MI commands and SIGHUP", () => {
  it("clusterer_shtag_set_active on b registers the tag's records from b at once; SIGHUP on a makes it backup there", async () => {
    const users = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`s${i}`, `pw-${i}`]));
    const { registrar, log } = await startLoggingRegistrar(users);
    try {
      const rows = Array.from({ length: 6 }, (_, i) =>
        registrantRow({
          registrar: `sip:127.0.0.1:${registrar.port}`,
          aor: `sip:s${i}@reg.test`,
          username: `s${i}`,
          password: `pw-${i}`,
          binding_URI: `sip:s${i}@127.0.0.1:5099`,
          expiry: 3600,
          cluster_shtag: "t0/1",
        }),
      );
      const cluster = await startCluster({
        nodes: [
          { name: "a", config: { cluster: { node_name: "a", active_tags: ["t0/1"] } } },
          { name: "b", config: { cluster: { node_name: "b" } } },
        ],
        rows,
        config: {
          registrant: { enable_clustering: true, hash_size: 1, timer_interval: 10 },
          cluster: { backend: "static" },
        },
      });
      const [a, b] = [cluster.node("a"), cluster.node("b")];
      const from = (node: ClusterNode) => log.filter((e) => e.changed && e.source.startsWith(`${node.address}:`));
      const aors = (entries: RegisterLogEntry[]) => new Set(entries.map((e) => e.aor));
      await pollUntil(
        () => aors(from(a)).size === 6,
        20_000,
        () => `a registered ${aors(from(a)).size}/6`,
      );
      expect(from(b)).toEqual([]);
      expect((await opensipsCli(b, "clusterer_list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "backup" },
      ]);

      // OpenSIPS's errors: a tag without a cluster id, an unknown cluster.
      await expectOpenSipsTagErrors(b);

      // Activation on b: "OK", and b registers the six records at once (not at its next bucket visit, 10 s).
      const activatedAt = Date.now();
      expect(await opensipsCli(b, "clusterer_shtag_set_active", ["t0/1"])).toMatchObject({ result: "OK" });
      await pollUntil(
        () => aors(from(b)).size === 6,
        5000,
        () => `b registered ${aors(from(b)).size}/6`,
      );
      expect(from(b).every((e) => e.at >= activatedAt)).toBe(true);
      expect((await opensipsCli(b, "clusterer:list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "active" },
      ]);

      // SIGHUP on a after removing the tag from its file: backup there, its records NOT_REGISTERED, nothing sent.
      const sent = log.length;
      const config = parse(readFileSync(a.daemon.configFile, "utf8")) as { cluster: { active_tags: string[] } };
      config.cluster.active_tags = [];
      writeFileSync(a.daemon.configFile, stringify(config));
      a.daemon.process.kill("SIGHUP");
      await a.waitForLog(/sharing tags changed by the configuration/, 10_000);
      expect((await opensipsCli(a, "clusterer_list_shtags")).result).toEqual([
        { Tag: "t0", Cluster: 1, State: "backup" },
      ]);
      await pollUntil(
        async () => (await a.daemon.list()).every((r) => r.state === "NOT_REGISTERED_STATE"),
        5000,
        () => "a's records still registered",
      );
      expect(log.slice(sent).filter((e) => e.source.startsWith(`${a.address}:`))).toEqual([]);
      await cluster.stop();
    } finally {
      await registrar.close();
    }
  });
});
