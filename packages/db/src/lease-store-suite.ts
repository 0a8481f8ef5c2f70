/**
 * The SQL-specific tests of the lease store (docs/cluster.md §2–§4) that every adapter runs against its real engine,
 * beside @uacreg/cluster's `leaseStoreConformance`: the tables, byte-exact keys, the record key, the affected-row
 * counts of each driver, and concurrent claims from separate connection pools. vitest's functions come in as a
 * parameter (no runtime dependency on vitest), as in the repository suite.
 */
import { createHash } from "node:crypto";
import type { LeaseStore, NodeIdentity } from "@uacreg/cluster";
import { DIALOG_TABLE, LEASE_TABLE, NODE_TABLE } from "./cluster-tables.js";
import type { OpenedDatabase } from "./db-adapter.js";
import { SchemaError } from "./db-errors.js";
import type { SuiteApi } from "./repository-conformance-suite.js";
import type { SqlLeaseStore } from "./sql-lease-store.js";

/** An engine the lease suite runs on. */
export interface LeaseSuiteTarget {
  /** Engine name shown in test titles. */
  name: string;
  /** Opens a repository (its own connection pool) on the test database; the suite closes it. */
  open(): Promise<OpenedDatabase>;
  /** Rows of a raw query on the test database (`?`-free SQL). */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}

/**
 * Empties the three cluster tables (creating them when absent): the empty store each conformance test wants. `query`
 * runs raw SQL on the same database (the table names are plain lower-case identifiers on every engine).
 */
export async function emptyClusterTables(db: OpenedDatabase, query: (sql: string) => Promise<unknown>): Promise<void> {
  await db.createClusterSchema();
  for (const t of [DIALOG_TABLE, LEASE_TABLE, NODE_TABLE]) await query(`DELETE FROM ${t.name}`);
}

const LONG = 600_000;

/** `leaseStoreConformance` of `@uacreg/cluster/testing`, passed in (it imports vitest). */
export type LeaseStoreConformance = (name: string, open: () => Promise<{ store: LeaseStore }>) => void;

/**
 * Registers the lease-store tests of one engine: @uacreg/cluster's conformance suite (each test on emptied tables)
 * and the SQL-specific tests below.
 */
export function sqlLeaseStoreSuite(
  api: SuiteApi,
  target: LeaseSuiteTarget,
  leaseStoreConformance: LeaseStoreConformance,
): void {
  const { describe, it, expect, beforeAll, afterAll } = api;

  describe(`${target.name} SQL lease store`, () => {
    let db: OpenedDatabase;
    let store: SqlLeaseStore;
    beforeAll(async () => {
      db = await target.open();
      store = db.leaseStore();
    });
    afterAll(async () => {
      await db?.close();
    });

    leaseStoreConformance(`${target.name} lease store conformance`, async () => {
      await emptyClusterTables(db, target.query);
      return { store };
    });

    it("creates the three cluster tables idempotently and checks them", async () => {
      await db.createClusterSchema();
      await db.createClusterSchema();
      await db.checkClusterSchema();
      const fresh = await target.open();
      try {
        await fresh.checkClusterSchema();
      } finally {
        await fresh.close();
      }
    });

    it("keys compare byte for byte: names, units and record keys differing only in case are distinct", async () => {
      await emptyClusterTables(db, target.query);
      const upper: NodeIdentity = { name: "Node", incarnation: "I-1" };
      const lower: NodeIdentity = { name: "node", incarnation: "i-1" };
      expect((await store.join(upper, LONG, "x")).kind).toBe("joined");
      expect((await store.join(lower, LONG, "y")).kind).toBe("joined");
      expect(await store.renew({ name: "NODE", incarnation: "I-1" }, LONG)).toBe(false);
      expect(await store.renew({ name: "Node", incarnation: "i-1" }, LONG)).toBe(false);
      await store.ensureUnits(["tag:VIP/1", "tag:vip/1"]);
      expect(await store.claim(upper, "tag:VIP/1", 0)).toBe(1);
      expect(await store.claim(lower, "tag:vip/1", 0)).toBe(1);
      expect(await store.release({ name: "NODE", incarnation: "I-1" }, "tag:VIP/1", 1)).toBe(false);
      expect(await store.release(upper, "tag:Vip/1", 1)).toBe(false);
      const key = (aor: string) => ({ aor, contact: "sip:a@192.0.2.1", registrar: "sip:example.com" });
      const mark = (aor: string, callId: string) => ({ key: key(aor), callId, fromTag: "f", cseqMark: 10 });
      expect(await store.saveDialog(upper, "tag:VIP/1", 1, mark("sip:MY3@example.com", "upper"))).toBe(true);
      expect(await store.saveDialog(upper, "tag:VIP/1", 1, mark("sip:my3@example.com", "lower"))).toBe(true);
      const marks = await store.loadDialogs("tag:VIP/1");
      expect(marks.map((m) => m.callId).sort()).toEqual(["lower", "upper"]);
      expect(await store.loadDialogs("tag:vip/1")).toEqual([]);
      const snap = await store.snapshot();
      expect(snap.members.map((m) => m.name)).toEqual(["Node", "node"]);
      expect(snap.leases.map((l) => [l.unit, l.owner?.name])).toEqual([
        ["tag:VIP/1", "Node"],
        ["tag:vip/1", "node"],
      ]);
    });

    it("stores a dialog under the SHA-256 of aor, binding URI and registrar joined by NUL", async () => {
      await emptyClusterTables(db, target.query);
      const a: NodeIdentity = { name: "a", incarnation: "a-1" };
      await store.join(a, LONG, "x");
      await store.ensureUnits(["bucket:7"]);
      expect(await store.claim(a, "bucket:7", 0)).toBe(1);
      const key = { aor: "sip:alice@example.com", contact: "sip:alice@192.0.2.1:5060", registrar: "sip:example.com" };
      expect(await store.saveDialog(a, "bucket:7", 1, { key, callId: "c1", fromTag: "t1", cseqMark: 42 })).toBe(true);
      const rows = await target.query(`SELECT record_key, unit, cseq_mark, epoch FROM ${DIALOG_TABLE.name}`);
      const want = createHash("sha256")
        .update("sip:alice@example.com\0sip:alice@192.0.2.1:5060\0sip:example.com")
        .digest("hex");
      expect(rows.map((r) => [r.record_key, r.unit, Number(r.cseq_mark), Number(r.epoch)])).toEqual([
        [want, "bucket:7", 42, 1],
      ]);
    });

    it("answers every compare-and-set by its affected-row count, also when no value changes", async () => {
      await emptyClusterTables(db, target.query);
      const a: NodeIdentity = { name: "a", incarnation: "a-1" };
      await store.join(a, LONG, "x");
      // Back-to-back renews land in the same millisecond (MySQL would report 0 changed rows without FOUND_ROWS).
      const renewed = await Promise.all(Array.from({ length: 20 }, () => store.renew(a, LONG)));
      expect(renewed.every((r) => r)).toBe(true);
      expect(await store.setDraining(a, false)).toBe(true);
      expect(await store.setDraining(a, false)).toBe(true);
      await store.ensureUnits(["u"]);
      expect(await store.claim(a, "u", 0)).toBe(1);
      const m = {
        key: { aor: "sip:a@x", contact: "sip:a@y", registrar: "sip:x" },
        callId: "c",
        fromTag: "f",
        cseqMark: 5,
      };
      expect(await store.saveDialog(a, "u", 1, m)).toBe(true);
      expect(await store.saveDialog(a, "u", 1, m)).toBe(true);
      // A unit without marks: the fence holds, so the reservation is an empty list, not a refusal.
      await store.ensureUnits(["empty"]);
      expect(await store.claim(a, "empty", 0)).toBe(1);
      expect(await store.reserveUnit(a, "empty", 1, 100)).toEqual([]);
      expect(await store.reserveUnit(a, "empty", 2, 100)).toBeUndefined();
    });

    it("creates lease rows for more units than one statement carries", async () => {
      await emptyClusterTables(db, target.query);
      const units = Array.from({ length: 1200 }, (_, i) => `bucket:${i}`);
      await store.ensureUnits(units);
      await store.ensureUnits(units);
      const snap = await store.snapshot();
      expect(snap.leases.length).toBe(1200);
      expect(snap.leases.every((l) => l.epoch === 0 && l.owner === undefined)).toBe(true);
    });

    it("of 8 concurrent claims of one free unit at the same epoch, from 8 connection pools, exactly one wins", async () => {
      await emptyClusterTables(db, target.query);
      const nodes: NodeIdentity[] = Array.from({ length: 8 }, (_, i) => ({ name: `n${i}`, incarnation: `n${i}-1` }));
      const dbs = await Promise.all(nodes.map(() => target.open()));
      try {
        const stores = dbs.map((d) => d.leaseStore());
        await Promise.all(stores.map((s, i) => s.join(nodes[i] as NodeIdentity, LONG, "x")));
        await store.ensureUnits(["contested"]);
        // Warm every pool so the claims race on the server, not on connection set-up.
        await Promise.all(stores.map((s) => s.snapshot()));
        for (let epoch = 0; epoch < 10; epoch += 2) {
          const won = await Promise.all(stores.map((s, i) => s.claim(nodes[i] as NodeIdentity, "contested", epoch)));
          const winners = won.flatMap((e, i) => (e === undefined ? [] : [i]));
          expect(winners.length).toBe(1);
          expect(won[winners[0] as number]).toBe(epoch + 1);
          const owner = nodes[winners[0] as number] as NodeIdentity;
          const row = (await store.snapshot()).leases.find((l) => l.unit === "contested");
          expect(row).toMatchObject({ epoch: epoch + 1, owner });
          expect(await store.release(owner, "contested", epoch + 1)).toBe(true);
        }
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
      }
    });

    it("checkClusterSchema names a missing cluster table", async () => {
      await target.query(`DROP TABLE ${DIALOG_TABLE.name}`);
      const err = await db.checkClusterSchema().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaError);
      expect((err as Error).message).toContain("uacreg_dialog");
      await db.createClusterSchema();
      await db.checkClusterSchema();
    });
  });
}
