/**
 * The tooling of the cluster tests (issue 11 "Tests", docs/cluster.md §1, §3.7, §4): the takeover checker on
 * hand-made registrar logs (each violation kind it must catch, and the failover figures it must compute), then the
 * multi-node harness with today's daemon: three nodes on 127.0.0.2/.3/.4 sharing one SQLite file, static sharing tags
 * (`enable_clustering` + `clustering.active_tags`), one demo registrar logging every REGISTER. Static tags do not fail
 * over: after SIGKILL of one node, the survivors keep refreshing their own records and never register its tag (the
 * `db` backend will change exactly that).
 */
import { openRepository } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import type { RegisterLogEntry } from "@uacreg/demo-registrar";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import { startCluster, stopAllClusters } from "../support/cluster-nodes.js";
import { checkTakeover, recordKey, type Takeover } from "../support/cluster-takeover-check.js";
import { registrantRow } from "../support/uacregd.js";

afterAll(stopAllClusters);

const AOR = "sip:alice@reg.test";
const CONTACT = "sip:alice@10.0.0.9:5060";
const ALICE = recordKey(AOR, CONTACT);
const NODES = { "127.0.0.2": "a", "127.0.0.3": "b" };

/** One REGISTER as the demo registrar logs it: by default a 200 that changed alice's binding, sent by node a. */
function entry(over: Partial<RegisterLogEntry> & { at: number; cseq: number }): RegisterLogEntry {
  return {
    source: "127.0.0.2:5060",
    transport: "udp",
    aor: AOR,
    contacts: [{ uri: CONTACT, expires: 60 }],
    wildcard: false,
    callId: "c1",
    status: 200,
    changed: true,
    retransmission: false,
    ...over,
  };
}

describe("the takeover checker, on hand-made registrar logs", () => {
  const takeovers: Takeover[] = [
    { record: ALICE, at: 0, owner: "a" },
    { record: ALICE, at: 1000, owner: "b" },
  ];
  /** Alice belongs to node a until 1000, to b from then on. */
  const handedOver = (entries: RegisterLogEntry[]) => checkTakeover({ entries, nodeOf: NODES, takeovers });

  it("accepts a clean handover: same Call-ID, CSeq going up, the new owner only after the takeover", () => {
    const r = handedOver([
      entry({ at: 100, cseq: 1 }),
      entry({ at: 900, cseq: 2 }),
      entry({ at: 1200, cseq: 101, source: "127.0.0.3:5060" }),
    ]);
    expect(r.violations).toEqual([]);
    expect(r.nonOwnerRegisters).toBe(0);
  });

  it("(a) reports a REGISTER from the former owner that changed the binding after the takeover", () => {
    const late = entry({ at: 1500, cseq: 3, callId: "c-new" });
    const r = handedOver([entry({ at: 100, cseq: 1 }), entry({ at: 1200, cseq: 101, source: "127.0.0.3:5060" }), late]);
    expect(r.violations).toEqual([
      { kind: "non-owner-accepted", record: ALICE, node: "a", owner: "b", takeoverAt: 1000, entry: late },
    ]);
    expect(r.nonOwnerRegisters).toBe(1);
  });

  it("(a) counts but does not report a former owner's REGISTER the registrar refused (CSeq rule, 400)", () => {
    const r = handedOver([
      entry({ at: 1200, cseq: 101, source: "127.0.0.3:5060" }),
      entry({ at: 1300, cseq: 3, status: 400, changed: false }),
      entry({ at: 1300, cseq: 3, status: 400, changed: false, retransmission: true }),
    ]);
    expect(r.violations).toEqual([]);
    expect(r.nonOwnerRegisters).toBe(1);
  });

  it("(b) reports a binding whose CSeq went backwards on the same Call-ID, or that went back to an old Call-ID", () => {
    const lowCseq = entry({ at: 300, cseq: 4, source: "127.0.0.3:5060" });
    const oldCallId = entry({ at: 500, cseq: 9 });
    const r = checkTakeover({
      entries: [
        entry({ at: 100, cseq: 5 }),
        lowCseq,
        entry({ at: 400, cseq: 1, callId: "c2" }),
        oldCallId,
        entry({ at: 450, cseq: 2, status: 200, changed: false }), // a query: changes nothing, checks nothing
      ],
      nodeOf: NODES,
    });
    expect(r.violations).toEqual([
      { kind: "went-backwards", record: ALICE, node: "b", previous: { callId: "c1", cseq: 5 }, entry: lowCseq },
      { kind: "went-backwards", record: ALICE, node: "a", previous: { callId: "c2", cseq: 1 }, entry: oldCallId },
    ]);
  });

  it("(c) gives each record's re-registration time after the event and reports those past the deadline", () => {
    const bob = recordKey("sip:bob@reg.test", "sip:bob@10.0.0.9:5060");
    const carol = recordKey("sip:carol@reg.test", "sip:carol@10.0.0.9:5060");
    const dave = recordKey("sip:dave@reg.test", "sip:dave@10.0.0.9:5060");
    const of = (aor: string) => [{ uri: `sip:${aor.slice(4, aor.indexOf("@"))}@10.0.0.9:5060`, expires: 60 }];
    const r = checkTakeover({
      entries: [
        entry({ at: 100, cseq: 1 }),
        entry({ at: 100, cseq: 1, aor: "sip:bob@reg.test", contacts: of("sip:bob@reg.test") }),
        entry({ at: 100, cseq: 1, aor: "sip:carol@reg.test", contacts: of("sip:carol@reg.test") }),
        // dave's last registration by a was logged in the kill's own ms: it is a's, and must come back too
        entry({ at: 1000, cseq: 1, aor: "sip:dave@reg.test", contacts: of("sip:dave@reg.test") }),
        // node a is killed at 1000; b takes alice at +2 s and bob at +9 s, carol never comes back
        entry({ at: 3000, cseq: 2, source: "127.0.0.3:7000" }),
        entry({
          at: 10_000,
          cseq: 2,
          aor: "sip:bob@reg.test",
          contacts: of("sip:bob@reg.test"),
          source: "127.0.0.3:1",
        }),
      ],
      nodeOf: NODES,
      event: { at: 1000, deadlineMs: 5000, node: "a", byNodes: ["b"] },
    });
    expect(r.reRegisteredAfterMs).toEqual(
      new Map([
        [ALICE, 2000],
        [bob, 9000],
        [carol, undefined],
        [dave, undefined],
      ]),
    );
    expect(r.violations).toEqual([
      { kind: "not-re-registered", record: bob, deadlineMs: 5000, afterMs: 9000 },
      { kind: "not-re-registered", record: carol, deadlineMs: 5000 },
      { kind: "not-re-registered", record: dave, deadlineMs: 5000 },
    ]);
    expect(r.failover).toEqual({ count: 2, missing: 2, medianMs: 5500, maxMs: 9000 });
  });
});

/** Polls `pred` every 50 ms; fails after `ms` with `what`. The bound only catches a broken daemon. */
async function until(pred: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("three uacregd nodes on one database, static sharing tags", () => {
  it("registers each tag only from its node's address, and nobody takes over the tag of a SIGKILLed node", async () => {
    const log: RegisterLogEntry[] = [];
    const users = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`u${i}`, `pw-${i}`]));
    const registrar: DemoRegistrar = await startDemoRegistrar({
      users,
      realm: "reg.test",
      minExpires: 11,
      outOfOrderStatus: 400,
      registerLog: (e) => log.push(e),
    });
    try {
      const tagOf = (i: number) => `t${i % 3}/1`;
      // expiry 11 s ≤ 2T: every visit of a record's bucket (each 10 s on its node) refreshes it
      // (docs/opensips-behaviour.md §3 "Refresh"), so a survivor's refreshes show its walk going on.
      const rows = Array.from({ length: 30 }, (_, i) =>
        registrantRow({
          registrar: `sip:127.0.0.1:${registrar.port}`,
          aor: `sip:u${i}@reg.test`,
          username: `u${i}`,
          password: `pw-${i}`,
          binding_URI: `sip:u${i}@127.0.0.1:5099`,
          expiry: 11,
          cluster_shtag: tagOf(i),
        }),
      );
      const cluster = await startCluster({
        nodes: [0, 1, 2].map((k) => ({ name: `n${k}`, config: { clustering: { active_tags: [`t${k}/1`] } } })),
        rows,
        config: { registrant: { enable_clustering: true, hash_size: 1, timer_interval: 10 } },
      });
      expect(cluster.nodes.map((n) => n.address)).toEqual(["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
      const ownerOf = (i: number) => `n${i % 3}`;
      const key = (i: number) => recordKey(`sip:u${i}@reg.test`, `sip:u${i}@127.0.0.1:5099`);
      const takeovers = rows.map((_, i) => ({ record: key(i), at: 0, owner: ownerOf(i) }));
      const accepted = (i: number, after = 0) =>
        log.some((e) => e.changed && e.at > after && e.contacts.some((c) => recordKey(e.aor, c.uri) === key(i)));
      const all = rows.map((_, i) => i);

      await until(
        () => all.every((i) => accepted(i)),
        30_000,
        () => `registered: ${all.filter((i) => accepted(i)).length}/30`,
      );
      const victim = cluster.node("n2");
      const killedAt = Date.now();
      expect((await victim.kill()).signal).toBe("SIGKILL");
      const survivors = all.filter((i) => ownerOf(i) !== "n2");
      // Every survivor record refreshed after the kill: both survivors visited both buckets since, skipping n2's tag.
      await until(
        () => survivors.every((i) => accepted(i, killedAt)),
        30_000,
        () => `refreshed after the kill: ${survivors.filter((i) => accepted(i, killedAt)).length}/20`,
      );

      const report = checkTakeover({
        entries: log,
        nodeOf: cluster.nodeOfSource,
        takeovers,
        // Only the survivors count as coming back: a refresh n2 had in flight at the kill is not a takeover.
        event: { at: killedAt, deadlineMs: 60_000, node: "n2", byNodes: ["n0", "n1"] },
      });
      // Not one REGISTER, accepted or refused, from a node for a tag that is not active there.
      expect(report.nonOwnerRegisters).toBe(0);
      expect(new Set(log.map((e) => cluster.nodeOfSource.get(e.source.split(":")[0] ?? "")))).toEqual(
        new Set(["n0", "n1", "n2"]),
      );
      // Static tags: n2's ten records are never registered again by anyone (no failover).
      const lost = all.filter((i) => ownerOf(i) === "n2").map(key);
      const byRecord = (a: { record: string }, b: { record: string }) => a.record.localeCompare(b.record);
      expect([...report.violations].sort(byRecord)).toEqual(
        lost.map((record) => ({ kind: "not-re-registered", record, deadlineMs: 60_000 })).sort(byRecord),
      );
      await cluster.stop();
    } finally {
      await registrar.close();
    }
  });
});

describe("a node behind a database proxy, on PostgreSQL", () => {
  it("loads its records through the proxy from a table of the run's own, dropped at stop", async () => {
    const pgUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    const rows = [registrantRow({ registrar: "sip:127.0.0.1:9", expiry: 60 })];
    const cluster = await startCluster({
      nodes: [{ name: "p", dbProxy: true }],
      rows,
      dbUrl: pgUrl,
      tablePrefix: "f_cluster",
    });
    const node = cluster.node("p");
    expect(cluster.tableName).toMatch(/^f_cluster_\d+_[0-9a-f]{8}$/);
    expect(node.dbProxy?.accepted).toBeGreaterThan(0);
    expect((await node.daemon.list()).map((r) => r.AOR)).toEqual(["sip:alice@reg.test"]);
    await cluster.stop();
    const repo = await openRepository(pgUrl, { tableName: cluster.tableName }, [postgresAdapter]);
    try {
      await expect(repo.checkSchema()).rejects.toThrow(/f_cluster/);
    } finally {
      await repo.close();
    }
  });
});
