/**
 * LeaseMember, one behaviour at a time (docs/cluster.md §3): join and its refusal, assignment, handoff, preferred
 * nodes, manual mode, drain, leave, rejoin, unknown outcomes, status and counters. The model tests
 * (lease-model.test.ts) run the same code through random schedules.
 */
import { describe, expect, it } from "vitest";
import { rendezvousOwner } from "./bucket-hash.js";
import { NodeNameInUseError } from "./lease-member-errors.js";
import { unitOfBucket, unitOfTag } from "./lease-store.js";
import { FAST_LEASE_TIMING, type LeaseTiming } from "./lease-timing.js";
import type { FaultPlan } from "./memory-lease-store.js";
import { LeaseSim, type SimNode } from "./test-support/lease-sim.js";

const T = FAST_LEASE_TIMING;
const UNITS = Array.from({ length: 24 }, (_, i) => unitOfBucket(i));

function cluster(
  names: string[],
  timing: Partial<LeaseTiming> = {},
  extra: { mode?: "manual"; faults?: FaultPlan } = {},
) {
  const sim = new LeaseSim({ seed: 1 });
  sim.units = UNITS;
  const nodes = names.map((name) => {
    const node = sim.add({
      name,
      member: { timing: { ...T, ...timing }, ...(extra.mode ? { mode: extra.mode } : {}) },
      ...(extra.faults ? { faults: extra.faults } : {}),
    });
    sim.start(node);
    return node;
  });
  return { sim, nodes };
}

const ownerName = (sim: LeaseSim, unit: string) => sim.db.lease(unit)?.owner?.name;
const heldBy = (node: SimNode) => node.member.ownedUnits().sort();

describe("joining", () => {
  it("refuses to start when a live process uses the name, naming its incarnation", async () => {
    const { sim, nodes } = cluster(["a"]);
    await sim.run(100);
    const other = sim.add({ name: "a", member: { timing: T } });
    const refusal = other.member.start();
    await expect(refusal).rejects.toThrow(NodeNameInUseError);
    await expect(refusal).rejects.toThrow(nodes[0]!.member.identity.incarnation);
    expect(other.member.state).toBe("joining");
  });

  it("retries the join every R while the database does not answer", async () => {
    let lose = true;
    const { sim, nodes } = cluster(["a"], {}, { faults: () => (lose ? { outcome: "lost" } : {}) });
    await sim.run(T.renewMs + T.statementTimeoutMs);
    expect(nodes[0]!.member.state).toBe("joining");
    lose = false;
    await sim.run(T.renewMs + T.statementTimeoutMs);
    expect(nodes[0]!.member.state).toBe("member");
  });
});

describe("assignment", () => {
  it("claims every unit on the live member with the highest rendezvous weight", async () => {
    const { sim, nodes } = cluster(["a", "b", "c"]);
    await sim.run(3_000);
    for (const unit of UNITS) expect(ownerName(sim, unit)).toBe(rendezvousOwner(unit, ["a", "b", "c"]));
    for (const node of nodes) {
      expect(heldBy(node)).toEqual(UNITS.filter((u) => ownerName(sim, u) === node.member.identity.name).sort());
    }
  });

  it("a joining member takes only its units, handed off at most max_handoffs per poll, stopped before released", async () => {
    const stoppedWhileOwned: boolean[] = [];
    const sim = new LeaseSim({ seed: 3 });
    sim.units = UNITS;
    const old = ["a", "b"].map((name) => {
      const node = sim.add({
        name,
        member: {
          timing: { ...T, maxHandoffs: 2 },
          listener: {
            gained: () => {},
            lost: (unit) => stoppedWhileOwned.push(ownerName(sim, unit) === name),
          },
        },
      });
      sim.start(node);
      return node;
    });
    await sim.run(3_000);
    const epochs = new Map(UNITS.map((u) => [u, sim.db.lease(u)!.epoch]));
    sim.start(sim.add({ name: "c", member: { timing: T } }));
    await sim.run(15_000);
    const moved = UNITS.filter((u) => rendezvousOwner(u, ["a", "b", "c"]) === "c");
    expect(moved.length).toBeGreaterThan(2);
    for (const unit of UNITS) {
      expect(ownerName(sim, unit)).toBe(rendezvousOwner(unit, ["a", "b", "c"]));
      // A unit that stays keeps its epoch; a moved one went through release and claim.
      expect(sim.db.lease(unit)!.epoch).toBe(epochs.get(unit)! + (moved.includes(unit) ? 2 : 0));
    }
    expect(stoppedWhileOwned).toHaveLength(moved.length);
    expect(stoppedWhileOwned.every(Boolean)).toBe(true);
    for (const node of old) {
      const perPoll = new Map<string, number>();
      for (const e of node.events.filter((x) => x.endsWith("handoff"))) {
        const at = e.split(" ")[0]!;
        perPoll.set(at, (perPoll.get(at) ?? 0) + 1);
      }
      expect(Math.max(...perPoll.values())).toBeLessThanOrEqual(2);
    }
    expect(sim.violations).toEqual([]);
  });

  it("max_handoffs paces a rebalance per poll period even when every release makes the others poll at once (NOTIFY)", async () => {
    const sim = new LeaseSim({ seed: 5 });
    sim.units = UNITS;
    const nodes: SimNode[] = [];
    const notifyAll = () =>
      queueMicrotask(() => {
        for (const n of nodes) n.member.requestNow();
      });
    for (const name of ["a", "b"]) {
      const node = sim.add({
        name,
        member: { timing: { ...T, maxHandoffs: 2 }, listener: { gained: () => {}, lost: notifyAll } },
      });
      nodes.push(node);
      sim.start(node);
    }
    await sim.run(3_000);
    const c = sim.add({ name: "c", member: { timing: T } });
    nodes.push(c);
    sim.start(c);
    await sim.run(20_000);
    for (const unit of UNITS) expect(ownerName(sim, unit)).toBe(rendezvousOwner(unit, ["a", "b", "c"]));
    for (const node of nodes.slice(0, 2)) {
      const times = node.events.filter((x) => x.endsWith("handoff")).map((e) => Number(e.split(" ")[0]));
      for (const t of times) {
        // Any window of one poll period holds at most max_handoffs handoffs of this node.
        expect(times.filter((u) => u > t - T.pollMs && u <= t).length).toBeLessThanOrEqual(2);
      }
    }
    expect(sim.violations).toEqual([]);
  });

  it("a unit goes to its preferred node while that node is live, back to rendezvous when it dies", async () => {
    const { sim, nodes } = cluster(["a", "b", "c"]);
    await sim.run(3_000);
    const unit = UNITS.find((u) => rendezvousOwner(u, ["a", "b", "c"]) === "a")!;
    await sim.db.setPreferred(unit, "c");
    await sim.run(3_000);
    expect(ownerName(sim, unit)).toBe("c");
    sim.kill(nodes[2]!);
    await sim.run(T.leaseMs + 2 * T.pollMs);
    expect(ownerName(sim, unit)).toBe(rendezvousOwner(unit, ["a", "b"]));
  });

  it("manual mode claims only units preferring this node and never an orphan", async () => {
    const sim = new LeaseSim({ seed: 5 });
    const [u1, u2, u3] = [unitOfTag("vip/1"), unitOfTag("vip/2"), unitOfTag("vip/3")] as [string, string, string];
    sim.units = [u1, u2, u3];
    await sim.db.ensureUnits(sim.units);
    await sim.db.setPreferred(u1, "a");
    await sim.db.setPreferred(u2, "b");
    const [a, b] = ["a", "b"].map((name) => {
      const node = sim.add({ name, member: { timing: T, mode: "manual" } });
      sim.start(node);
      return node;
    }) as [SimNode, SimNode];
    await sim.run(3_000);
    expect([heldBy(a), heldBy(b)]).toEqual([[u1], [u2]]);
    expect(sim.db.lease(u3)?.owner).toBeUndefined();
    await sim.db.setPreferred(u1, "b"); // clusterer_shtag_set_active on b
    await sim.run(3_000);
    expect([heldBy(a), heldBy(b)]).toEqual([[], [u1, u2]]);
    sim.kill(b);
    await sim.run(T.leaseMs * 3);
    expect(heldBy(a)).toEqual([]);
  });
});

describe("drain, leave and requestNow", () => {
  it("drain releases everything and claims nothing while staying a member; undrain takes its share back", async () => {
    const { sim, nodes } = cluster(["a", "b"]);
    const [a, b] = nodes as [SimNode, SimNode];
    await sim.run(3_000);
    const share = heldBy(a);
    expect(share.length).toBeGreaterThan(0);
    await a.member.drain();
    expect(heldBy(a)).toEqual([]);
    expect(a.events.filter((e) => e.endsWith("released"))).toHaveLength(share.length);
    await sim.run(10_000);
    expect(a.member.state).toBe("draining");
    expect(heldBy(a)).toEqual([]);
    expect(heldBy(b)).toEqual([...UNITS].sort());
    expect(a.member.status().members.find((m) => m.name === "a")).toMatchObject({ draining: true, live: true });
    // A drain outlives a lost session: the new incarnation is draining too.
    a.connection.partitioned = true;
    await sim.run(T.leaseMs * 2);
    a.connection.partitioned = false;
    await sim.run(T.leaseMs * 2);
    expect(a.member.counters().joins).toBe(2);
    expect(a.member.state).toBe("draining");
    expect(heldBy(a)).toEqual([]);
    await a.member.undrain();
    await sim.run(10_000);
    expect(heldBy(a)).toEqual(share);
    expect(sim.violations).toEqual([]);
  });

  it("leave releases every lease and deletes the session; requestNow lets a survivor claim at once", async () => {
    const { sim, nodes } = cluster(["a", "b"]);
    const [a, b] = nodes as [SimNode, SimNode];
    await sim.run(3_000);
    expect(await a.member.leave()).toBe(true);
    expect(a.member.state).toBe("left");
    expect(sim.db.snapshotNow().members.map((m) => m.name)).toEqual(["b"]);
    b.member.requestNow(); // the NOTIFY
    await sim.run(0);
    expect(heldBy(b)).toEqual([...UNITS].sort());
  });

  it("leave during the join undoes the join", async () => {
    const sim = new LeaseSim({ seed: 2 });
    const a = sim.add({ name: "a", member: { timing: T }, faults: () => ({ beforeMs: 10, afterMs: 10 }) });
    sim.start(a);
    await sim.run(15); // the join executed, its answer is on its way
    expect(await a.member.leave()).toBe(false);
    await sim.run(100);
    expect(a.member.state).toBe("left");
    expect(sim.db.snapshotNow().members).toEqual([]);
  });

  it("setUnits creates the lease rows of new units, which are then claimed", async () => {
    const { sim, nodes } = cluster(["a"]);
    await sim.run(2_000);
    nodes[0]!.member.setUnits([unitOfTag("new/1")]);
    await sim.run(2_000);
    expect(ownerName(sim, unitOfTag("new/1"))).toBe("a");
  });
});

describe("sessions and unknown outcomes", () => {
  it("after a partition longer than the lease the node fences, rejoins as a new incarnation and gets its units back", async () => {
    const { sim, nodes } = cluster(["a", "b"]);
    const [a] = nodes as [SimNode, SimNode];
    await sim.run(3_000);
    const share = heldBy(a);
    const first = a.member.identity.incarnation;
    a.connection.partitioned = true;
    await sim.run(T.leaseMs * 2);
    expect(a.events.some((e) => e.endsWith("fenced deadline"))).toBe(true);
    expect(heldBy(a)).toEqual([]);
    a.connection.partitioned = false;
    await sim.run(T.leaseMs * 2);
    expect(a.member.identity.incarnation).not.toBe(first);
    expect(a.member.state).toBe("member");
    expect(heldBy(a)).toEqual(share);
    expect(sim.violations).toEqual([]);
  });

  it("a rejoin that finds its name taken by another process stops with the refusal", async () => {
    const { sim, nodes } = cluster(["a"]);
    const [a0] = nodes as [SimNode];
    await sim.run(3_000);
    a0.connection.partitioned = true;
    await sim.run(T.leaseMs + 500);
    sim.start(sim.add({ name: "a", member: { timing: T } }));
    await sim.run(1_000);
    a0.connection.partitioned = false;
    await sim.run(T.renewMs * 2);
    expect(a0.member.state).toBe("refused");
    expect(a0.events.some((e) => e.includes("refused"))).toBe(true);
  });

  it("renewals that fail with an error count as unknown and extend nothing: the node fences at its deadline", async () => {
    let fail = false;
    const { sim, nodes } = cluster(["a"], {}, { faults: (s) => (fail && s === "renew" ? { outcome: "error" } : {}) });
    const [a] = nodes as [SimNode];
    await sim.run(2_500); // renewed at 2000: trust until 7000
    fail = true;
    await sim.run(7_000 - 2_500 - 1);
    expect(a.member.counters()).toMatchObject({ renewOk: 1, renewUnknown: 2, renewFailed: 0 });
    expect(a.member.ownedUnits()).toHaveLength(UNITS.length);
    await sim.run(1);
    expect(a.member.ownedUnits()).toEqual([]);
    expect(a.events.some((e) => e === "7000 fenced deadline")).toBe(true);
  });

  it("a claim with an unknown outcome counts as not owned until a snapshot shows it here", async () => {
    let first = true;
    const { sim, nodes } = cluster(
      ["a"],
      {},
      {
        faults: (statement) => {
          if (statement !== "claim" || !first) return {};
          first = false;
          return { outcome: "unknown" };
        },
      },
    );
    const [a] = nodes as [SimNode];
    await sim.run(T.statementTimeoutMs + 1);
    expect(a.member.counters().claimsUnknown).toBe(1);
    const unknownUnit = UNITS.find((u) => !heldBy(a).includes(u))!;
    expect(ownerName(sim, unknownUnit)).toBe("a");
    expect(a.member.mayWrite(unknownUnit, 1)).toBe(false);
    await sim.run(2 * T.pollMs);
    expect(a.member.mayWrite(unknownUnit, 1)).toBe(true);
    expect(sim.db.executed.get("claim")).toBe(UNITS.length);
  });
});

describe("status, counters and polling", () => {
  it("reports trust left, the database clock offset, members and leases; counts renewals with their latency", async () => {
    const sim = new LeaseSim({ seed: 9, dbOffsetMs: 42_000 });
    sim.units = UNITS;
    const a = sim.add({
      name: "a",
      offsetMs: 5_000,
      member: { timing: T },
      faults: () => ({ beforeMs: 10, afterMs: 15 }),
    });
    sim.start(a);
    await sim.run(4_100);
    const status = a.member.status();
    expect(status).toMatchObject({ name: "a", incarnation: a.member.identity.incarnation, state: "member" });
    // Joined when the answer came (25 ms), so renews are sent at 2025 and 4025: trust until 4025 + L − M.
    expect(status.trustLeftMs).toBe(4_025 + T.leaseMs - T.marginMs - 4_100);
    expect(status.dbClockOffsetMs).toBeCloseTo(42_000 - 5_000, -1);
    expect(status.members).toEqual([expect.objectContaining({ name: "a", live: true, draining: false })]);
    expect(status.leases.map((l) => l.owner?.name)).toEqual(UNITS.map(() => "a"));
    const counters = a.member.counters();
    expect(counters).toMatchObject({ renewOk: 2, renewFailed: 0, renewUnknown: 0, renewLatencyMs: 25, joins: 1 });
    expect(counters.claims).toBe(UNITS.length);
    expect(counters.gained).toBe(UNITS.length);
  });

  it("polls every P ±20 %", async () => {
    const times: number[] = [];
    const sim = new LeaseSim({ seed: 21 });
    const a = sim.add({
      name: "a",
      member: { timing: T },
      faults: (statement) => {
        if (statement === "snapshot") times.push(sim.real.now());
        return {};
      },
    });
    sim.start(a);
    await sim.run(100_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.8 * T.pollMs);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1.2 * T.pollMs);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(0.2 * T.pollMs);
  });
});
