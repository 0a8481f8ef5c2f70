import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { leaseStoreConformance } from "./lease-store-conformance.js";
import { LeaseStoreFaultError, MemoryLeaseStore } from "./memory-lease-store.js";

leaseStoreConformance("MemoryLeaseStore", async () => {
  const clock = new VirtualClock();
  return {
    store: new MemoryLeaseStore({ clock, rate: 1.1, offsetMs: -3_600_000 }),
    passDbTime: (ms) => clock.advance(ms),
  };
});

leaseStoreConformance("MemoryLeaseStore (database time passed by reads)", async () => {
  // A clock that moves 1 ms per read: the suite's default time passing, as on a real database.
  let t = 0;
  const clock = { now: () => t++, wallNow: () => t, setTimer: () => ({ cancel: () => {} }) };
  return { store: new MemoryLeaseStore({ clock }) };
});

describe("MemoryLeaseConnection faults", () => {
  const a = { name: "a", incarnation: "a-1" };

  it("executes at the instant after the delay before, and answers after the delay after", async () => {
    const clock = new VirtualClock();
    const db = new MemoryLeaseStore({ clock });
    const conn = db.connect(() => ({ beforeMs: 100, afterMs: 50 }));
    let answer: string | undefined;
    void conn.join(a, 1000, "x").then((r) => {
      answer = r.kind;
    });
    await clock.advance(99);
    expect(db.isLive(a)).toBe(false);
    await clock.advance(1);
    expect(db.isLive(a)).toBe(true);
    await clock.advance(49);
    expect(answer).toBeUndefined();
    await clock.advance(1);
    expect(answer).toBe("joined");
  });

  it("a lost statement never executes; an unknown one executes without an answer; an error one rejects", async () => {
    const clock = new VirtualClock();
    const db = new MemoryLeaseStore({ clock });
    let outcome: "lost" | "unknown" | "error" = "lost";
    const conn = db.connect(() => ({ outcome }));
    let answered = false;
    void conn.join(a, 1000, "x").then(() => {
      answered = true;
    });
    await clock.advance(10);
    expect([db.isLive(a), answered]).toEqual([false, false]);
    outcome = "unknown";
    void conn.join(a, 1000, "x").then(() => {
      answered = true;
    });
    await clock.advance(10);
    expect([db.isLive(a), answered]).toEqual([true, false]);
    outcome = "error";
    await expect(conn.renew(a, 5000)).rejects.toThrow(LeaseStoreFaultError);
    expect(db.snapshotNow().members[0]?.expiresAt).toBe(db.dbNow() + 5000);
  });

  it("a partitioned node's statements are lost until healed", async () => {
    const clock = new VirtualClock();
    const db = new MemoryLeaseStore({ clock });
    const conn = db.connect();
    conn.partitioned = true;
    void conn.join(a, 1000, "x");
    await clock.advance(10);
    expect(db.isLive(a)).toBe(false);
    conn.partitioned = false;
    expect((await conn.join(a, 1000, "x")).kind).toBe("joined");
  });
});
