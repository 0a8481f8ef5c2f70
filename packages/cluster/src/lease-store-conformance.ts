/**
 * The test suite every {@link LeaseStore} passes: the in-memory model here, and the SQL stores of @uacreg/db on
 * SQLite, PostgreSQL, MySQL/MariaDB and MS SQL. It checks the statements of docs/cluster.md §3.1, §3.4, §3.8 and §4
 * one by one. Time passes for real on a database: a session is expired by joining with a 1 ms lifetime and then
 * letting database time pass, by cheap snapshot reads (bounded) unless the target moves its clock itself.
 */
import type { RegistrantKey } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import type { DialogMark, LeaseStore, NodeIdentity } from "./lease-store.js";

/** A freshly opened, empty store for one test. */
export interface ConformanceStore {
  readonly store: LeaseStore;
  /**
   * Lets at least `ms` of database time pass. Default: snapshot reads until `dbNow` has moved that far (at most
   * {@link MAX_TIME_READS} reads), which suits a real database.
   */
  passDbTime?(ms: number): Promise<void>;
  /** Closes the store after the test. */
  close?(): Promise<void>;
}

/** The bound of the default {@link ConformanceStore.passDbTime}: a store whose clock never moves fails here. */
export const MAX_TIME_READS = 100_000;

const LONG = 600_000;
const key = (n: number): RegistrantKey => ({
  aor: `sip:user${n}@example.com`,
  contact: `sip:user${n}@192.0.2.1`,
  registrar: "sip:registrar.example.com",
});
const mark = (n: number, cseqMark: number, callId = `call-${n}`): DialogMark => ({
  key: key(n),
  callId,
  fromTag: `tag-${n}`,
  cseqMark,
});

async function defaultPass(store: LeaseStore, ms: number): Promise<void> {
  const start = (await store.snapshot()).dbNow;
  for (let i = 0; i < MAX_TIME_READS; i++) {
    if ((await store.snapshot()).dbNow > start + ms) return;
  }
  throw new Error(`database time did not move ${ms} ms in ${MAX_TIME_READS} snapshot reads`);
}

/**
 * Registers the conformance tests under `describe(describeName)`. `open` is called once per test and must give an
 * empty store (fresh tables or truncated ones).
 */
export function leaseStoreConformance(describeName: string, open: () => Promise<ConformanceStore>): void {
  const run = (title: string, body: (store: LeaseStore, pass: (ms: number) => Promise<void>) => Promise<void>) =>
    it(title, async () => {
      const target = await open();
      const pass = (ms: number) => (target.passDbTime ? target.passDbTime(ms) : defaultPass(target.store, ms));
      try {
        await body(target.store, pass);
      } finally {
        await target.close?.();
      }
    });

  const a1: NodeIdentity = { name: "a", incarnation: "a-1" };
  const a2: NodeIdentity = { name: "a", incarnation: "a-2" };
  const b1: NodeIdentity = { name: "b", incarnation: "b-1" };

  /** Joins with a 1 ms session and waits until it has expired in database time. */
  async function joinExpired(store: LeaseStore, pass: (ms: number) => Promise<void>, node: NodeIdentity) {
    expect((await store.join(node, 1, "192.0.2.1:5060")).kind).toBe("joined");
    await pass(5);
  }

  describe(describeName, () => {
    run(
      "join refuses a live name with another incarnation, naming it, and replaces an expired one",
      async (s, pass) => {
        const first = await s.join(a1, LONG, "192.0.2.1:5060");
        expect(first.kind).toBe("joined");
        const refused = await s.join(a2, LONG, "192.0.2.2:5060");
        expect(refused.kind).toBe("name-in-use");
        if (refused.kind !== "name-in-use") return;
        expect(refused.incarnation).toBe("a-1");
        expect(refused.expiresAt).toBeGreaterThan(refused.dbNow);
        // Another name joins beside it.
        expect((await s.join(b1, LONG, "192.0.2.3:5060")).kind).toBe("joined");

        const c1 = { name: "c", incarnation: "c-1" };
        await joinExpired(s, pass, c1);
        expect((await s.join({ name: "c", incarnation: "c-2" }, LONG, "192.0.2.4:5060")).kind).toBe("joined");
        const members = (await s.snapshot()).members;
        const c = members.find((m) => m.name === "c");
        expect(c?.incarnation).toBe("c-2");
        expect(c?.address).toBe("192.0.2.4:5060");
        expect(c?.draining).toBe(false);
        expect(members.map((m) => m.name).sort()).toEqual(["a", "b", "c"]);
      },
    );

    run("renew matches name and incarnation, only while live, and never renews an expired session", async (s, pass) => {
      await s.join(a1, 60_000, "192.0.2.1:5060");
      const before = (await s.snapshot()).members.find((m) => m.name === "a")!.expiresAt;
      await pass(2);
      expect(await s.renew(a1, LONG)).toBe(true);
      const after = (await s.snapshot()).members.find((m) => m.name === "a")!.expiresAt;
      expect(after).toBeGreaterThan(before);
      // Same name, another incarnation: refused.
      expect(await s.renew(a2, LONG)).toBe(false);
      // An expired session stays expired.
      await joinExpired(s, pass, b1);
      expect(await s.renew(b1, LONG)).toBe(false);
      const snap = await s.snapshot();
      expect(snap.members.find((m) => m.name === "b")!.expiresAt).toBeLessThanOrEqual(snap.dbNow);
      // The old incarnation of a replaced session cannot renew the new one.
      await joinExpired(s, pass, { name: "c", incarnation: "c-1" });
      await s.join({ name: "c", incarnation: "c-2" }, LONG, "x");
      expect(await s.renew({ name: "c", incarnation: "c-1" }, LONG)).toBe(false);
      expect((await s.snapshot()).members.find((m) => m.name === "c")!.incarnation).toBe("c-2");
    });

    run("claim is a compare-and-set on the epoch and a free unit", async (s, pass) => {
      await s.ensureUnits(["u1"]);
      await s.join(a1, LONG, "x");
      await s.join(b1, LONG, "y");
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      // Epoch mismatch.
      expect(await s.claim(b1, "u1", 0)).toBeUndefined();
      // A live owner is never taken over.
      expect(await s.claim(b1, "u1", 1)).toBeUndefined();
      const row = (await s.snapshot()).leases.find((l) => l.unit === "u1");
      expect(row).toMatchObject({ unit: "u1", epoch: 1, owner: a1 });
      // A unit without a row is never claimed.
      expect(await s.claim(a1, "missing", 0)).toBeUndefined();

      // An expired owner's unit is claimable.
      const c1 = { name: "c", incarnation: "c-1" };
      await s.ensureUnits(["u2"]);
      await s.join(c1, LONG, "z");
      expect(await s.claim(c1, "u2", 0)).toBe(1);
      await s.renew(c1, 1);
      await pass(5);
      expect(await s.claim(b1, "u2", 1)).toBe(2);
      expect((await s.snapshot()).leases.find((l) => l.unit === "u2")?.owner).toEqual(b1);
    });

    run("a node's new incarnation claims the units of its expired old one", async (s, pass) => {
      await s.ensureUnits(["u1"]);
      await s.join(a1, LONG, "x");
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      await s.renew(a1, 1);
      await pass(5);
      expect((await s.join(a2, LONG, "x")).kind).toBe("joined");
      expect(await s.claim(a2, "u1", 1)).toBe(2);
      expect((await s.snapshot()).leases.find((l) => l.unit === "u1")?.owner).toEqual(a2);
    });

    run("release is a compare-and-set on owner name, incarnation and epoch", async (s) => {
      await s.ensureUnits(["u1"]);
      await s.join(a1, LONG, "x");
      await s.join(b1, LONG, "y");
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      expect(await s.release(a1, "u1", 0)).toBe(false);
      expect(await s.release(a2, "u1", 1)).toBe(false);
      expect(await s.release(b1, "u1", 1)).toBe(false);
      expect((await s.snapshot()).leases.find((l) => l.unit === "u1")).toMatchObject({ epoch: 1, owner: a1 });
      expect(await s.release(a1, "u1", 1)).toBe(true);
      const row = (await s.snapshot()).leases.find((l) => l.unit === "u1");
      expect(row?.epoch).toBe(2);
      expect(row?.owner).toBeUndefined();
      expect(await s.release(a1, "u1", 1)).toBe(false);
      expect(await s.claim(b1, "u1", 2)).toBe(3);
    });

    run("ensureUnits is idempotent and never touches an existing row", async (s) => {
      await s.join(a1, LONG, "x");
      await s.ensureUnits(["u1", "u2"]);
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      await s.setPreferred("u1", "a");
      await s.ensureUnits(["u1", "u2", "u3"]);
      await s.ensureUnits([]);
      const leases = (await s.snapshot()).leases;
      expect(leases.map((l) => l.unit).sort()).toEqual(["u1", "u2", "u3"]);
      expect(leases.find((l) => l.unit === "u1")).toMatchObject({ epoch: 1, owner: a1, preferred: "a" });
      expect(leases.find((l) => l.unit === "u3")).toMatchObject({ epoch: 0 });
      expect(leases.find((l) => l.unit === "u3")?.owner).toBeUndefined();
    });

    run("snapshot's database time never goes backwards and session expiry is in database time", async (s) => {
      await s.join(a1, 60_000, "x");
      let last = 0;
      for (let i = 0; i < 20; i++) {
        const snap = await s.snapshot();
        expect(snap.dbNow).toBeGreaterThanOrEqual(last);
        last = snap.dbNow;
        const a = snap.members.find((m) => m.name === "a")!;
        expect(a.expiresAt).toBeGreaterThan(snap.dbNow);
        expect(a.expiresAt).toBeLessThanOrEqual(snap.dbNow + 60_000);
      }
    });

    run("setPreferred sets and clears the preferred node without changing owner or epoch", async (s) => {
      await s.join(a1, LONG, "x");
      await s.ensureUnits(["tag:vip/1"]);
      expect(await s.claim(a1, "tag:vip/1", 0)).toBe(1);
      await s.setPreferred("tag:vip/1", "b");
      expect((await s.snapshot()).leases[0]).toMatchObject({ unit: "tag:vip/1", epoch: 1, owner: a1, preferred: "b" });
      await s.setPreferred("tag:vip/1", undefined);
      const row = (await s.snapshot()).leases[0];
      expect(row?.preferred).toBeUndefined();
      expect(row?.epoch).toBe(1);
    });

    run("setDraining marks a live session, matched by name and incarnation", async (s, pass) => {
      await s.join(a1, LONG, "x");
      expect(await s.setDraining(a2, true)).toBe(false);
      expect(await s.setDraining(a1, true)).toBe(true);
      expect((await s.snapshot()).members.find((m) => m.name === "a")?.draining).toBe(true);
      expect(await s.setDraining(a1, false)).toBe(true);
      expect((await s.snapshot()).members.find((m) => m.name === "a")?.draining).toBe(false);
      await joinExpired(s, pass, b1);
      expect(await s.setDraining(b1, true)).toBe(false);
    });

    run("saveDialog and reserveUnit are fenced by owner and epoch: a refusal changes nothing", async (s) => {
      await s.join(a1, LONG, "x");
      await s.join(b1, LONG, "y");
      await s.ensureUnits(["u1"]);
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      expect(await s.saveDialog(a1, "u1", 1, mark(1, 100))).toBe(true);
      expect(await s.saveDialog(a1, "u1", 1, mark(2, 200))).toBe(true);
      // Wrong epoch, not the owner, another incarnation: refused, nothing written.
      expect(await s.saveDialog(a1, "u1", 0, mark(3, 1))).toBe(false);
      expect(await s.saveDialog(b1, "u1", 1, mark(1, 1, "stolen"))).toBe(false);
      expect(await s.saveDialog(a2, "u1", 1, mark(1, 1, "stolen"))).toBe(false);
      const byCall = (marks: DialogMark[]) => [...marks].sort((x, y) => x.callId.localeCompare(y.callId));
      expect(byCall(await s.loadDialogs("u1"))).toEqual([mark(1, 100), mark(2, 200)]);
      // An update of an existing record's mark (the next CSeq block, a new Call-ID).
      expect(await s.saveDialog(a1, "u1", 1, mark(2, 300, "call-2b"))).toBe(true);
      expect(byCall(await s.loadDialogs("u1"))).toEqual([mark(1, 100), mark(2, 300, "call-2b")]);

      expect(await s.reserveUnit(b1, "u1", 1, 100)).toBeUndefined();
      expect(await s.reserveUnit(a1, "u1", 0, 100)).toBeUndefined();
      expect(byCall(await s.loadDialogs("u1"))).toEqual([mark(1, 100), mark(2, 300, "call-2b")]);

      // Handed to b: b's reservation moves every mark of the unit up by the block.
      expect(await s.release(a1, "u1", 1)).toBe(true);
      expect(await s.claim(b1, "u1", 2)).toBe(3);
      const reserved = await s.reserveUnit(b1, "u1", 3, 100);
      expect(byCall(reserved ?? [])).toEqual([mark(1, 200), mark(2, 400, "call-2b")]);
      expect(byCall(await s.loadDialogs("u1"))).toEqual([mark(1, 200), mark(2, 400, "call-2b")]);
      // The old owner is fenced out for good.
      expect(await s.saveDialog(a1, "u1", 1, mark(1, 1))).toBe(false);
      expect(await s.loadDialogs("other")).toEqual([]);
    });

    run("leave releases every lease of the session, deletes its row and leaves the others alone", async (s) => {
      await s.join(a1, LONG, "x");
      await s.join(b1, LONG, "y");
      await s.ensureUnits(["u1", "u2", "u3"]);
      expect(await s.claim(a1, "u1", 0)).toBe(1);
      expect(await s.claim(a1, "u2", 0)).toBe(1);
      expect(await s.claim(b1, "u3", 0)).toBe(1);
      await s.leave(a2); // another incarnation: nothing happens
      expect((await s.snapshot()).members.map((m) => m.name).sort()).toEqual(["a", "b"]);
      await s.leave(a1);
      const snap = await s.snapshot();
      expect(snap.members.map((m) => m.name)).toEqual(["b"]);
      const byUnit = new Map(snap.leases.map((l) => [l.unit, l]));
      expect(byUnit.get("u1")?.owner).toBeUndefined();
      expect(byUnit.get("u1")?.epoch).toBe(2);
      expect(byUnit.get("u2")?.epoch).toBe(2);
      expect(byUnit.get("u3")).toMatchObject({ owner: b1, epoch: 1 });
      expect(await s.renew(a1, LONG)).toBe(false);
      expect((await s.join(a2, LONG, "x")).kind).toBe("joined");
      expect(await s.claim(b1, "u1", 2)).toBe(3);
    });
  });
}
