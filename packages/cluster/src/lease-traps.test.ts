/**
 * The known regressions of lease systems, one named test each (docs/cluster.md §3.6): renewal matched by name only,
 * a renew period equal to the lease, a statement timeout longer than the trust window, work not stopped at the
 * deadline. Each runs a schedule on the model (test-support/lease-sim.ts) that breaks safety when its rule is broken.
 */
import { describe, expect, it } from "vitest";
import { LeaseMember } from "./lease-member.js";
import { unitOfBucket } from "./lease-store.js";
import { FAST_LEASE_TIMING, LeaseParameterError } from "./lease-timing.js";
import { MemoryLeaseStore } from "./memory-lease-store.js";
import { LeaseSim } from "./test-support/lease-sim.js";
import { VirtualClock } from "@uacreg/runtime/testing";

const T = FAST_LEASE_TIMING; // L 6000, R 2000, M 1000, P 1000, statement 1000
const UNITS = Array.from({ length: 6 }, (_, i) => unitOfBucket(i));

describe("regression: renewal matched by name only", () => {
  it("a paused process whose name a restarted process took is refused its renewal and fences; nobody writes twice", async () => {
    const sim = new LeaseSim({ seed: 7 });
    sim.units = UNITS;
    const a0 = sim.add({ name: "a", member: { timing: T } });
    const b = sim.add({ name: "b", member: { timing: T } });
    sim.start(a0);
    sim.start(b);
    await sim.run(4_500); // a renewed at 2000 and 4000: trust until 9000, next renew due at 6000
    const held = a0.member.ownedUnits();
    expect(held.length).toBeGreaterThan(0);
    a0.clock.pause(); // SIGSTOP: a's session expires at 10000 (database time)
    await sim.run(7_500);
    const a1 = sim.add({ name: "a", member: { timing: T } }); // the supervisor started a new process "a"
    sim.start(a1);
    await sim.run(8_000);
    expect(a1.member.state).toBe("member");
    // SIGCONT at 20000: a's overdue renew fires before its overdue deadline timer, with the old incarnation.
    a0.clock.resume();
    await sim.run(3_000);
    expect(sim.violations, sim.describe()).toEqual([]);
    expect(a0.events.some((e) => e.endsWith("fenced session-lost"))).toBe(true);
    expect(a0.member.counters().renewFailed).toBe(1);
    // The new process kept its session: the old incarnation did not renew it.
    expect(a1.member.state).toBe("member");
  });
});

describe("regression: renew period equal to the lease", () => {
  const clock = new VirtualClock();
  const store = new MemoryLeaseStore({ clock });
  const member = (timing: Partial<typeof T>) =>
    new LeaseMember({ store, clock, random: () => 0.5, name: "a", address: "x", timing: { ...T, ...timing } });

  it("refuses R = L, R > L/3 and R ≥ L − M at construction, naming renew_ms", () => {
    for (const renewMs of [6_000, 2_500, 5_000]) {
      expect(() => member({ renewMs })).toThrow(LeaseParameterError);
      try {
        member({ renewMs });
      } catch (error) {
        expect((error as LeaseParameterError).parameter).toBe("renew_ms");
      }
    }
    expect(() => member({ renewMs: 2_500, marginMs: 6_500, leaseMs: 9_000 })).toThrow(/cluster\.renew_ms.*below/);
  });

  it("refuses a zero margin, a margin not below the lease, and non-positive periods, naming the parameter", () => {
    const cases: Array<[Partial<typeof T>, string]> = [
      [{ marginMs: 0 }, "margin_ms"],
      [{ marginMs: 6_000 }, "margin_ms"],
      [{ leaseMs: Number.NaN }, "lease_ms"],
      [{ pollMs: 0 }, "poll_ms"],
      [{ statementTimeoutMs: -1 }, "statement_timeout_ms"],
      [{ maxHandoffs: 0 }, "max_handoffs"],
    ];
    for (const [timing, parameter] of cases) {
      expect(() => member(timing), parameter).toThrow(new RegExp(`^cluster\\.${parameter}: `));
    }
    expect(() => member({})).not.toThrow();
  });
});

describe("regression: statement timeout longer than the trust window", () => {
  it("a claim answered after the trust deadline is abandoned and never applied to the next incarnation", async () => {
    const sim = new LeaseSim({ seed: 11 });
    sim.units = UNITS;
    // a's first claims execute at once but their answers take 20 s; its renews are lost until 5 s.
    const a = sim.add({
      name: "a",
      member: { timing: { ...T, statementTimeoutMs: 60_000 } },
      faults: (statement) => {
        const now = sim.real.now();
        if (statement === "claim" && now < 1_000) return { afterMs: 20_000 };
        if (statement === "renew" && now < 5_000) return { outcome: "lost" };
        return {};
      },
    });
    sim.start(a);
    await sim.run(6_500);
    // a fenced at its deadline (5000) with its claims still unanswered; its old session expired at 6000.
    expect(a.events.some((e) => e.endsWith("fenced deadline"))).toBe(true);
    const b = sim.add({ name: "b", member: { timing: T } });
    sim.start(b);
    await sim.run(20_000); // the late answers arrive at 20000, when a is a new incarnation
    expect(sim.violations, sim.describe()).toEqual([]);
    // Each claim counted unknown, at the old trust deadline and not 60 s later.
    expect(a.member.counters().claimsUnknown).toBe(UNITS.length);
    expect(a.events.filter((e) => e.includes("gained")).every((e) => !e.endsWith("@1"))).toBe(true);
    expect(sim.allOwnedByLive()).toBe(true);
  });
});

describe("regression: work not stopped at the deadline", () => {
  it("a member whose renew hangs stops every unit at the trust deadline, with the renew still pending", async () => {
    const sim = new LeaseSim({ seed: 13 });
    sim.units = UNITS;
    let hang = false;
    const a = sim.add({
      name: "a",
      member: { timing: { ...T, statementTimeoutMs: 60_000 } },
      faults: () => (hang ? { outcome: "lost" } : {}),
    });
    sim.start(a);
    await sim.run(4_500); // renewed at 4000: trust until 9000
    const held = a.member.ownedUnits();
    expect(held).toHaveLength(UNITS.length);
    hang = true; // the renews at 6000 and 8000 never come back
    await sim.run(9_000 - 4_500 - 1);
    expect(held.every((u) => a.member.mayWrite(u, 1))).toBe(true);
    await sim.run(1);
    expect(a.events.filter((e) => e.startsWith("9000 lost") && e.endsWith("fenced"))).toHaveLength(UNITS.length);
    expect(held.some((u) => a.member.mayWrite(u, 1))).toBe(false);
    expect(a.member.status().trustLeftMs).toBe(0);
  });

  it("a frozen process cannot write past its deadline even before its timers run", async () => {
    const sim = new LeaseSim({ seed: 17 });
    sim.units = UNITS;
    const a = sim.add({ name: "a", member: { timing: T } });
    sim.start(a);
    await sim.run(4_500);
    const held = a.member.ownedUnits();
    a.clock.pause();
    await sim.run(9_000 - 4_500);
    // No timer of a has run since 4500, yet the send guard already refuses: it reads the clock.
    expect(a.events.some((e) => e.includes("fenced"))).toBe(false);
    expect(held.some((u) => a.member.mayWrite(u, 1))).toBe(false);
    await sim.run(1_500); // its session expired at 10000 (database time)
    a.clock.resume();
    await sim.run(1);
    expect(a.events.some((e) => e.includes("fenced"))).toBe(true);
    expect(sim.violations).toEqual([]);
  });
});
