import type { RegisterLogEntry } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Cluster,
  type ClusterNode,
  pollUntil,
  startCluster,
  type RegistrarProcess,
  startRegistrarProcess,
  stopAllClusters,
} from "../support/cluster-nodes.js";
import { checkTakeover, recordKey, type Takeover } from "../support/cluster-takeover-check.js";
import {
  BUCKETS,
  failoverDeadlineMs,
  freshDatabase,
  type Row,
  SCENARIO_RECORDS,
  scenarioRows,
  seedRows,
  TAKEOVER_RATE,
  unitOfRow,
} from "../support/cluster-scenario.js";
import { startUacregd } from "../support/uacregd.js";

afterAll(stopAllClusters);

const RECORDS = SCENARIO_RECORDS;

interface Gain {
  unit: string;
  at: number;
  owner: string;
}

/** Every gain a node logged ("cluster: ownership changed", reason gained), with the log line's wall time. */
function gainsOf(node: ClusterNode): Gain[] {
  return node
    .logEntries()
    .flatMap((e) =>
      e.msg === "cluster: ownership changed" && e.reason === "gained" && typeof e.unit === "string"
        ? [{ unit: e.unit, at: Number(e.time), owner: node.name }]
        : [],
    );
}

/** The number of ownership changes the nodes logged so far (raw lines: cheap enough to poll). */
function ownershipLines(cluster: Cluster): number {
  return cluster.nodes.reduce(
    (n, node) => n + node.daemon.logs().filter((l) => l.includes('"msg":"cluster: ownership changed"')).length,
    0,
  );
}

/** The `uacreg_cluster_*` series of a node's `/metrics` (its port from the "uacregd listening" line). */
async function scrapeCluster(node: ClusterNode): Promise<Map<string, number>> {
  const listening = node.logEntries().find((e) => e.msg === "uacregd listening") as
    | { metrics?: { port: number } }
    | undefined;
  const port = listening?.metrics?.port;
  if (port === undefined) throw new Error(`${node.name}: no metrics address logged`);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(uacreg_cluster_\S+) (\S+)$/.exec(line);
    if (m?.[1] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

interface StatusReply {
  Node: { Name: string; State: string };
  Leases: Array<{ Unit: string; Owner: string | null; Records: number }>;
}

describe.each([["postgres" as const], ["mariadb" as const]])("three nodes, db backend on %s", (engine) => {
  it("spreads the records, and after SIGKILL of the busiest node the survivors take its records over in time, with no double registration", async () => {
    const db = await freshDatabase(engine, "i_cluster");
    const rows = scenarioRows(RECORDS);
    let registrar: RegistrarProcess | undefined;
    try {
      const reg = await startRegistrarProcess(Object.fromEntries(rows.map((r) => [r.user, `pw-${r.user}`])));
      registrar = reg;
      let log: RegisterLogEntry[] = [];
      /** The registrar's log as it is now (it runs in its own process and writes a file). */
      const readLog = () => {
        log = reg.entries();
        return log;
      };
      const REG = `sip:127.0.0.1:${registrar.port}`;
      await seedRows(db.url, REG, rows);
      const names = ["n1", "n2", "n3"];
      const cluster = await startCluster({
        nodes: names.map((name) => ({ name, config: { cluster: { node_name: name } } })),
        dbUrl: db.url,
        config: {
          registrant: { enable_clustering: true, hash_size: 1, timer_interval: 10 },
          cluster: { backend: "db", timing: "fast", buckets: BUCKETS, takeover_rate: TAKEOVER_RATE },
          metrics: { listen: "127.0.0.1:0" },
        },
      });
      const keyOf = (r: Row) => recordKey(r.aor, r.binding);
      const unitOf = (r: Row) => unitOfRow(r, REG);
      const lastAccepted = (r: Row, before = Number.POSITIVE_INFINITY) => {
        let last: RegisterLogEntry | undefined;
        for (const e of log) {
          if (e.at < before && e.changed && e.contacts.some((c) => recordKey(e.aor, c.uri) === keyOf(r))) last = e;
        }
        return last;
      };

      // 1. Every record registered, and the ownership settled (no change for 3 s) with every node owning some.
      let settled = { lines: -1, since: Date.now() };
      await pollUntil(
        async () => {
          readLog();
          const lines = ownershipLines(cluster);
          if (lines !== settled.lines) settled = { lines, since: Date.now() };
          if (Date.now() - settled.since < 3000 || !rows.every((r) => lastAccepted(r))) return false;
          const owned = await Promise.all(
            cluster.nodes.map(async (n) => (await n.daemon.mi<StatusReply>("cluster_status")).Leases),
          );
          return owned.every((leases, i) => leases.some((l) => l.Owner === names[i]));
        },
        60_000,
        () => `registered ${rows.filter((r) => lastAccepted(r)).length}/${RECORDS}`,
      );

      // 2. Each unit has exactly one owner, every node agrees, and each record's last REGISTER came from that owner.
      readLog();
      const view = await cluster.nodes[0]!.daemon.mi<StatusReply>("cluster_status");
      const ownerOfUnit = new Map(view.Leases.map((l) => [l.Unit, l.Owner]));
      for (const n of cluster.nodes.slice(1)) {
        const other = await n.daemon.mi<StatusReply>("cluster_status");
        expect(new Map(other.Leases.map((l) => [l.Unit, l.Owner]))).toEqual(ownerOfUnit);
      }
      for (const r of rows) {
        const owner = ownerOfUnit.get(unitOf(r) ?? "");
        expect(names).toContain(owner);
        expect(cluster.nodeOfSource.get(lastAccepted(r)?.source.split(":")[0] ?? "")).toBe(owner);
      }
      // A second process under a live node's name is refused: one fatal line naming the node and its session expiry.
      const twin = await startUacregd({
        dbUrl: db.url,
        registrant: { enable_clustering: true },
        extra: { cluster: { backend: "db", timing: "fast", node_name: "n1" } },
      }).then(
        (d) => d.stop().then(() => "started"),
        (e: unknown) => String(e),
      );
      expect(twin).toMatch(/uacregd exited with 1/);
      expect(twin.match(/"level":60/g)).toHaveLength(1);
      expect(twin).toMatch(/node name n1 is in use by another live uacregd \(its session expires in \d+ s/);
      const recordsOf = (name: string) => rows.filter((r) => ownerOfUnit.get(unitOf(r) ?? "") === name);
      const victim = [...names].sort((a, b) => recordsOf(b).length - recordsOf(a).length)[0] ?? "n1";
      const survivors = names.filter((n) => n !== victim);
      const victimRows = recordsOf(victim);
      const callIdBefore = new Map(victimRows.map((r) => [keyOf(r), lastAccepted(r)?.callId]));

      // 3. SIGKILL of the busiest node.
      const killedAt = Date.now();
      expect((await cluster.node(victim).kill()).signal).toBe("SIGKILL");
      const deadlineMs = failoverDeadlineMs(victimRows.length);
      const back = (r: Row) =>
        log.some(
          (e) =>
            e.at >= killedAt &&
            e.changed &&
            survivors.includes(cluster.nodeOfSource.get(e.source.split(":")[0] ?? "") ?? "") &&
            e.contacts.some((c) => recordKey(e.aor, c.uri) === keyOf(r)),
        );
      await pollUntil(
        () => {
          readLog();
          return victimRows.every(back);
        },
        deadlineMs + 10_000,
        () => `re-registered ${victimRows.filter(back).length}/${victimRows.length}`,
      );

      // 4. The registrar's log: every takeover respected, nothing went backwards, each
      // of the victim's records back within the bound.
      const unitOfKey = new Map(rows.map((r) => [keyOf(r), unitOf(r)]));
      const gains = cluster.nodes.flatMap(gainsOf);
      readLog();
      // A record's takeover, on the registrar's clock: the first REGISTER of the new owner to reach the registrar after
      // its gain (its log line's time; the gain itself when none came). The old owner stops writing before it releases
      // (docs/cluster.md §3.5, §6), but a copy it wrote just before can reach the registrar a few ms after the new
      // owner's gain: the processes' clocks and schedulers are only comparable to a few ms on a loaded host. What the
      // registrar must never accept is a REGISTER from another node once the new owner's reached it.
      const firstFrom = (record: string, owner: string, after: number) =>
        log.find(
          (e) =>
            e.at >= after &&
            !e.retransmission &&
            cluster.nodeOfSource.get(e.source.split(":")[0] ?? "") === owner &&
            e.contacts.some((c) => recordKey(e.aor, c.uri) === record),
        )?.at;
      const takeovers: Takeover[] = [];
      for (const [record, unit] of unitOfKey) {
        for (const g of gains) {
          if (g.unit === unit) takeovers.push({ record, at: firstFrom(record, g.owner, g.at) ?? g.at, owner: g.owner });
        }
      }
      const report = checkTakeover({
        entries: log,
        nodeOf: cluster.nodeOfSource,
        takeovers,
        event: { at: killedAt, deadlineMs, node: victim, byNodes: survivors },
      });
      expect(report.violations).toEqual([]);
      expect(report.failover?.count).toBe(victimRows.length);
      // docs/cluster.md §4: the survivors kept each record's Call-ID (and went above its CSeq mark).
      // On a mismatch, the REGISTERs of the record and what the nodes logged about it say why.
      const changedCallIds = victimRows.flatMap((r) => {
        const after = log.find(
          (e) => e.at >= killedAt && e.changed && e.contacts.some((c) => recordKey(e.aor, c.uri) === keyOf(r)),
        );
        if (after?.callId === callIdBefore.get(keyOf(r))) return [];
        const registers = log
          .filter((e) => e.aor === r.aor)
          .map((e) => `${e.at - killedAt} ${e.source} ${e.callId} ${e.cseq} ${e.status}`);
        const said = cluster.nodes.flatMap((n) =>
          n.daemon
            .logs()
            .flatMap((l) => (l.includes(`"${r.aor}"`) && !l.includes("state change") ? [`${n.name} ${l}`] : [])),
        );
        return [{ record: keyOf(r), before: callIdBefore.get(keyOf(r)), after: after?.callId, registers, said }];
      });
      expect(changedCallIds).toEqual([]);
      // The survivors' metrics: every unit and record owned by one of them, the renews, gains and takeovers counted.
      const series = await Promise.all(survivors.map((n) => scrapeCluster(cluster.node(n))));
      const sum = (name: string) => series.reduce((n, m) => n + (m.get(name) ?? 0), 0);
      expect(sum("uacreg_cluster_records_owned")).toBe(RECORDS);
      expect(sum("uacreg_cluster_leases_owned")).toBe(new Set(rows.map(unitOf)).size);
      for (const m of series) {
        expect(m.get('uacreg_cluster_renews_total{result="ok"}')).toBeGreaterThan(0);
        expect(m.get('uacreg_cluster_ownership_changes_total{reason="gained"}')).toBeGreaterThan(0);
        expect(m.get("uacreg_cluster_takeover_duration_seconds_count")).toBeGreaterThan(0);
        expect(m.get("uacreg_cluster_trust_remaining_seconds")).toBeGreaterThan(0);
      }
      console.log(
        `${engine}: killed ${victim} (${victimRows.length} of ${RECORDS} records); failover median ` +
          `${report.failover?.medianMs} ms, max ${report.failover?.maxMs} ms (bound ${deadlineMs} ms); ` +
          `non-owner REGISTERs after takeover ${report.nonOwnerRegisters}`,
      );
      await cluster.stop();
    } finally {
      await registrar?.close();
      await stopAllClusters();
      await db.drop();
    }
  });
});
