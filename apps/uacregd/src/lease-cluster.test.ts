/**
 * The db backend's glue (lease-cluster.ts) on a virtual clock and the in-memory lease database: what the engine hears,
 * what the MI commands store, and what an operator sees at start-up and stop (docs/cluster.md §3, §3.8, §5, §7).
 */
import { NodeNameInUseError, unitOfTag } from "@uacreg/cluster";
import { MemoryLeaseStore } from "@uacreg/cluster/testing";
import { CLUSTER_TIMING_PROFILES, type ClusterSection } from "@uacreg/config";
import type { Logger } from "@uacreg/runtime";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { type ClusterEngine, LeaseCluster, ClusterUnavailableError } from "./lease-cluster.js";

const VIP = unitOfTag("vip/1");

function section(name: string, over: Partial<ClusterSection> = {}): ClusterSection {
  return {
    backend: "db",
    node_name: name,
    mode: "auto",
    active_tags: [],
    timing: CLUSTER_TIMING_PROFILES.fast,
    buckets: 2,
    untagged: "shard",
    max_handoffs: 16,
    takeover_rate: 1000,
    cseq_block: 100,
    ...over,
  };
}

/** An engine that records what the cluster driver tells it; its records use `vip/1` and the two buckets. */
function recordingEngine() {
  const calls: string[] = [];
  const engine: ClusterEngine = {
    unitGained: async (unit, epoch) => {
      calls.push(`gained ${unit} ${epoch}`);
      return true;
    },
    unitLost: (unit, reason) => {
      calls.push(`lost ${unit} ${reason}`);
    },
    unitRecords: () => new Map([[VIP, 3]]),
  };
  return { engine, calls };
}

function recordingLog(): { log: Logger; lines: Array<{ msg: string } & Record<string, unknown>> } {
  const lines: Array<{ msg: string } & Record<string, unknown>> = [];
  const at = (obj: object, msg: string) => lines.push({ ...obj, msg });
  return { log: { debug: at, info: at, warn: at, error: at }, lines };
}

function setup() {
  const clock = new VirtualClock();
  const db = new MemoryLeaseStore({ clock });
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const node = (name: string, over: Partial<ClusterSection> = {}) => {
    const { log, lines } = recordingLog();
    const cluster = new LeaseCluster({ section: section(name, over), clock, random, address: `${name}:5060`, log });
    const { engine, calls } = recordingEngine();
    const store = db.connect();
    return { cluster, engine, calls, lines, store, join: () => cluster.join(store, engine) };
  };
  return { clock, db, node };
}

describe("the db backend's lease cluster", () => {
  it("holds gains heard while the records load and hands the engine those still held once they are loaded", async () => {
    const { clock, node } = setup();
    const a = node("a");
    await a.join();
    await clock.advance(2000);
    a.cluster.ownership.unitsChanged(new Set([VIP]));
    await clock.advance(2000);
    expect(a.cluster.ownedUnits().sort()).toEqual(["bucket:0", "bucket:1", VIP]);
    expect(a.calls).toEqual([]); // nothing reached the engine before the load
    a.cluster.loaded();
    expect(a.calls.sort()).toEqual(["gained bucket:0 1", "gained bucket:1 1", `gained ${VIP} 1`]);
    // After the load, a change reaches the engine at once, with one log line naming unit, epoch and reason.
    await a.cluster.drain();
    expect(a.calls.filter((c) => c.startsWith("lost")).sort()).toEqual([
      "lost bucket:0 released",
      "lost bucket:1 released",
      `lost ${VIP} released`,
    ]);
    expect(a.lines).toContainEqual({ msg: "cluster: ownership changed", unit: VIP, epoch: 1, reason: "released" });
  });

  it("joins without waiting for PostgreSQL's LISTEN (a slow LISTEN never holds the records' load back)", async () => {
    const { node } = setup();
    const a = node("a");
    let closed = 0;
    let answer: (s: { close(): Promise<void> }) => void = () => {};
    const notifier = {
      notify: async () => {},
      listen: () =>
        new Promise<{ close(): Promise<void> }>((r) => {
          answer = r;
        }),
    };
    await a.cluster.join(Object.assign(a.store, { notifier }), a.engine);
    expect(a.cluster.member?.state).toBe("member");
    await a.cluster.stop();
    answer({ close: async () => void closed++ }); // the LISTEN connected after the stop: it is closed at once
    await settle();
    expect(closed).toBe(1);
  });

  it("a takeover the engine could not start (its CSeq block not reserved) is tried again one poll later", async () => {
    const { clock, node } = setup();
    const a = node("a", { buckets: 1 });
    let refusals = 1;
    const gains: string[] = [];
    a.engine.unitGained = async (unit, epoch) => {
      gains.push(`${unit} ${epoch}`);
      return refusals-- <= 0;
    };
    await a.join();
    await settle();
    expect(a.cluster.ownedUnits()).toEqual(["bucket:0"]);
    a.cluster.loaded();
    await settle();
    expect(gains).toEqual(["bucket:0 1"]);
    await clock.advance(CLUSTER_TIMING_PROFILES.fast.poll_ms);
    expect(gains).toEqual(["bucket:0 1", "bucket:0 1"]);
    await clock.advance(10 * CLUSTER_TIMING_PROFILES.fast.poll_ms);
    expect(gains).toHaveLength(2); // started: not tried again
  });

  it("clusterer_shtag_set_active stores the tag's preferred node; the owner hands it over at its next poll", async () => {
    const { clock, db, node } = setup();
    const a = node("a");
    const b = node("b");
    for (const n of [a, b]) {
      await n.join();
      n.cluster.ownership.unitsChanged(new Set([VIP]));
      n.cluster.loaded();
    }
    await clock.advance(3000);
    const owner = a.cluster.ownedUnits().includes(VIP) ? a : b;
    const other = owner === a ? b : a;
    expect(await other.cluster.activateTag("vip", 1)).toBe("stored");
    expect(db.lease(VIP)?.preferred).toBe(other === a ? "a" : "b");
    await clock.advance(3000);
    expect(other.cluster.ownedUnits()).toContain(VIP);
    expect(owner.calls).toContain(`lost ${VIP} handoff`);
    expect(other.cluster.sharingTags()).toEqual([{ tag: "vip", clusterId: 1, state: "active" }]);
    expect(owner.cluster.sharingTags()).toEqual([{ tag: "vip", clusterId: 1, state: "backup" }]);
  });

  it("refuses the activation (never 'stored') when the database does not answer within the statement timeout", async () => {
    const { clock, node } = setup();
    const a = node("a");
    await a.join();
    a.store.partitioned = true;
    const activation = a.cluster.activateTag("vip", 1);
    const settled = activation.then(
      () => "stored",
      (e: unknown) => e,
    );
    await clock.advance(CLUSTER_TIMING_PROFILES.fast.statement_timeout_ms);
    expect(await settled).toBeInstanceOf(ClusterUnavailableError);
  });

  it("a second process under a live node's name is refused and counted", async () => {
    const { clock, node } = setup();
    await node("a").join();
    await clock.advance(500);
    const twin = node("a");
    const refused = await twin.join().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeNameInUseError);
    expect((refused as NodeNameInUseError).node).toBe("a");
    expect(twin.cluster.counters()?.refusedJoins).toBe(1);
  });

  it("unregisters at stop only when no other live member would take the records over (docs/cluster.md §3.8)", async () => {
    const { clock, node } = setup();
    const a = node("a");
    await a.join();
    await clock.advance(2000);
    expect(a.cluster.ownership.shouldUnregisterOnStop()).toBe(true);
    const b = node("b");
    await b.join();
    await clock.advance(2000);
    expect(a.cluster.ownership.shouldUnregisterOnStop()).toBe(false);
  });

  it("a graceful stop releases every lease: a survivor owns them within one poll, not after the lease time", async () => {
    const { clock, node } = setup();
    const a = node("a", { buckets: 8 });
    const b = node("b", { buckets: 8 });
    for (const n of [a, b]) {
      await n.join();
      n.cluster.loaded();
    }
    await clock.advance(3000);
    expect(a.cluster.ownedUnits().length).toBeGreaterThan(0);
    expect(a.cluster.ownedUnits().length + b.cluster.ownedUnits().length).toBe(8);
    const told = a.calls.length;
    await a.cluster.stop();
    await settle();
    expect(a.calls.slice(told)).toEqual([]); // the engine was stopped first: it is not told again
    await clock.advance(CLUSTER_TIMING_PROFILES.fast.poll_ms * 1.2);
    expect(b.cluster.ownedUnits()).toHaveLength(8);
  });
});
