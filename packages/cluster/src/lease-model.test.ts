/**
 * The model checker of the lease protocol (docs/cluster.md §3; issue 11 "Tests: Unit"): random seeded schedules of 2–8
 * members on their own clocks (rates and offsets), pauses longer than the margin, statements delayed, lost or with
 * unknown outcome, partitions, deaths and restarts. SAFETY: at no instant do two members pass the send guard for one
 * unit. LIVENESS: after a death, every unit is owned by a live member within L + 1.2·P and a few statement times.
 * The seed of a failing schedule is in the assertion message.
 */
import { describe, expect, it } from "vitest";
import { unitOfBucket, unitOfTag } from "./lease-store.js";
import { FAST_LEASE_TIMING, failoverBoundMs } from "./lease-timing.js";
import type { FaultPlan } from "./memory-lease-store.js";
import { LeaseSim } from "./test-support/lease-sim.js";

const T = FAST_LEASE_TIMING;
/** The documented bound on clock-rate ratios: L/(L − M) (docs/cluster.md §3.3). */
const RATE_BOUND = T.leaseMs / (T.leaseMs - T.marginMs);
const UNITS = [...Array.from({ length: 8 }, (_, i) => unitOfBucket(i)), unitOfTag("vip/1"), unitOfTag("pbx/2")];

/** Statement faults: mostly quick, sometimes slow, sometimes lost, unknown or failed. */
function randomFaults(random: () => number, severity: number): FaultPlan {
  return () => {
    const r = random();
    const slow = random() < 0.05 * severity;
    const delay = () => (slow ? random() * 2_500 : random() * 60);
    const outcome =
      r < 0.03 * severity ? "lost" : r < 0.06 * severity ? "unknown" : r < 0.08 * severity ? "error" : "ok";
    return { beforeMs: delay(), afterMs: delay(), outcome };
  };
}

interface ScheduleOptions {
  /** Clock rates are drawn so that every member/database ratio stays within this factor. */
  readonly rateSpread: number;
  readonly durationMs: number;
}

/** One random schedule: joins, pauses, partitions, deaths, restarts, drains. */
async function randomSchedule(seed: number, options: ScheduleOptions): Promise<LeaseSim> {
  const sim0 = new LeaseSim({ seed });
  const random = sim0.random;
  const half = Math.sqrt(options.rateSpread);
  const rate = () => 1 / half + random() * (half - 1 / half);
  const sim = new LeaseSim({ seed: seed + 1, dbRate: rate(), dbOffsetMs: (random() - 0.5) * 7_200_000 });
  sim.units = UNITS;
  const count = 2 + Math.floor(random() * 7);
  const names = Array.from({ length: count }, (_, i) => `node${i}`);
  const spawn = (name: string) =>
    sim.add({
      name,
      rate: rate(),
      offsetMs: (random() - 0.5) * 7_200_000,
      faults: randomFaults(sim.random, random() * 2),
      member: { timing: T },
    });
  for (const name of names) sim.start(spawn(name));
  // Events at random instants: a pause (sometimes far longer than the margin), a partition, a death (and later a
  // restart under the same name), a drain.
  const actions: Array<{ at: number; act: () => void }> = [];
  const pick = () => sim.nodes[Math.floor(random() * sim.nodes.length)]!;
  for (let i = 0; i < count + 2; i++) {
    const at = random() * options.durationMs * 0.8;
    const kind = random();
    if (kind < 0.4) {
      const length = random() < 0.5 ? T.marginMs * (1 + random() * 2) : T.leaseMs * (0.5 + random() * 1.5);
      actions.push({
        at,
        act: () => {
          const node = pick();
          if (node.dead) return;
          node.clock.pause();
          sim.real.setTimer(length, () => {
            if (!node.dead) node.clock.resume();
          });
        },
      });
    } else if (kind < 0.65) {
      const length = random() * T.leaseMs * 1.5;
      actions.push({
        at,
        act: () => {
          const node = pick();
          node.connection.partitioned = true;
          sim.real.setTimer(length, () => {
            node.connection.partitioned = false;
          });
        },
      });
    } else if (kind < 0.85) {
      actions.push({
        at,
        act: () => {
          const node = pick();
          if (node.dead) return;
          sim.kill(node);
          const name = node.member.identity.name;
          sim.real.setTimer(random() * T.leaseMs * 2, () => sim.start(spawn(name)));
        },
      });
    } else {
      actions.push({ at, act: () => void pick().member.drain() });
    }
  }
  for (const action of actions) sim.real.setTimer(action.at, action.act);
  await sim.run(options.durationMs);
  return sim;
}

function report(seed: number, sim: LeaseSim): string {
  const v = sim.violations[0];
  return `seed ${seed}: ${v ? `unit ${v.unit} writable by ${v.writers.join(" and ")} at ${v.at} ms` : "no violation"}\n${sim.describe()}`;
}

describe("lease protocol model: safety inside the documented bound", () => {
  const seeds = Array.from({ length: 32 }, (_, i) => 1000 + i);
  it.each(seeds)("seed %i: no two members may write one unit at the same instant", async (seed) => {
    const sim = await randomSchedule(seed, { rateSpread: RATE_BOUND * 0.97, durationMs: 60_000 });
    expect(sim.violations, report(seed, sim)).toEqual([]);
    // The schedule did something: units were owned (a checker that sees nothing proves nothing).
    expect(
      sim.nodes.some((n) => n.events.some((e) => e.includes("gained"))),
      report(seed, sim),
    ).toBe(true);
  });
});

describe("lease protocol model: the checker finds violations outside the bound", () => {
  /** a's clock runs `ratio` times slower than the database's; a is cut off; b claims a's units the moment a expires. */
  async function slowClockTakeover(ratio: number): Promise<LeaseSim> {
    const sim = new LeaseSim({ seed: 77 });
    sim.units = UNITS;
    const a = sim.add({ name: "a", rate: 1 / ratio, member: { timing: T } });
    const b = sim.add({ name: "b", member: { timing: T } });
    sim.start(a);
    sim.start(b);
    await sim.run(100);
    a.connection.partitioned = true; // a's session expires at L (database time) after its join
    await sim.run(T.leaseMs - 100 + 1);
    b.member.requestNow();
    await sim.run(2 * T.leaseMs);
    expect(b.member.ownedUnits()).toHaveLength(UNITS.length);
    return sim;
  }

  it("a clock slower than the database by just under L/(L − M) is safe", async () => {
    const sim = await slowClockTakeover(RATE_BOUND * 0.97);
    expect(sim.violations, sim.describe()).toEqual([]);
  });

  it("a clock slower by just over L/(L − M): the checker sees two writers", async () => {
    const sim = await slowClockTakeover(RATE_BOUND * 1.03);
    expect(sim.violations.length).toBeGreaterThan(0);
    expect(sim.violations[0]?.writers.map((w) => w.split("#")[0])).toEqual(["a", "b"]);
  });

  it("random schedules with clock rates beyond the bound: some schedule lets two members write one unit", async () => {
    const tried: number[] = [];
    let found: number | undefined;
    for (let seed = 5000; seed < 5040 && found === undefined; seed++) {
      tried.push(seed);
      const sim = await randomSchedule(seed, { rateSpread: RATE_BOUND * RATE_BOUND * 1.1, durationMs: 60_000 });
      if (sim.violations.length > 0) found = seed;
    }
    expect(found, `no violation in seeds ${tried.join(",")}`).toBeDefined();
  });
});

describe("lease protocol model: liveness", () => {
  const seeds = Array.from({ length: 16 }, (_, i) => 2000 + i);
  it.each(seeds)("seed %i: after a member dies every unit is owned by a live member in time", async (seed) => {
    const sim0 = new LeaseSim({ seed });
    const random = sim0.random;
    const sim = new LeaseSim({ seed: seed + 1 });
    sim.units = UNITS;
    const count = 2 + Math.floor(random() * 5);
    const maxDelay = 50;
    const rates: number[] = [];
    for (let i = 0; i < count; i++) {
      const rate = 0.98 + random() * 0.04;
      rates.push(rate);
      sim.start(
        sim.add({
          name: `node${i}`,
          rate,
          offsetMs: (random() - 0.5) * 1e6,
          faults: () => ({ beforeMs: random() * maxDelay, afterMs: random() * maxDelay }),
          member: { timing: T },
        }),
      );
    }
    expect(await sim.run(20_000, () => sim.allOwnedByLive()), `seed ${seed}: never settled\n${sim.describe()}`).toBe(
      true,
    );
    await sim.run(random() * 10_000);
    const victim = sim.nodes[Math.floor(random() * count)]!;
    const victimUnits = victim.member.ownedUnits();
    const diedAt = sim.real.now();
    sim.kill(victim);
    // L of database time, then 1.2·P of the slowest survivor's clock, then a poll's and a claim's statements.
    const bound = failoverBoundMs(T) / Math.min(...rates) + 4 * 2 * maxDelay;
    await sim.run(bound * 2, () => sim.allOwnedByLive());
    const took = sim.real.now() - diedAt;
    expect(sim.allOwnedByLive(), `seed ${seed}: not recovered\n${sim.describe()}`).toBe(true);
    expect(took, `seed ${seed}: failover of ${victimUnits.join(",")} took ${took} ms > ${bound}`).toBeLessThanOrEqual(
      bound,
    );
    expect(sim.violations, report(seed, sim)).toEqual([]);
  });
});
