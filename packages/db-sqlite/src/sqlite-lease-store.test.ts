import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leaseStoreConformance } from "@uacreg/cluster/testing";
import { openRepository } from "@uacreg/db";
import { emptyClusterTables, sqlLeaseStoreSuite } from "@uacreg/db/testing";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteAdapter } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "uacreg-lease-sqlite-"));
const file = join(dir, "cluster.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = () => openRepository(`sqlite://${file}`, {}, [sqliteAdapter]);
const query = async (sql: string) => {
  const db = new Database(file);
  try {
    const stmt = db.prepare(sql);
    if (stmt.reader) return stmt.all() as Array<Record<string, unknown>>;
    stmt.run();
    return [];
  } finally {
    db.close();
  }
};

sqlLeaseStoreSuite(
  { describe, it, expect, beforeAll, afterAll },
  { name: "SQLite", open, query },
  leaseStoreConformance,
);

describe("SQLite cluster tables", () => {
  it("keeps times as INTEGER milliseconds of SQLite's own clock", async () => {
    const db = await open();
    try {
      await emptyClusterTables(db, query);
      const store = db.leaseStore();
      const joined = await store.join({ name: "a", incarnation: "a-1" }, 15_000, "x");
      const [row] = await query("SELECT typeof(expires_at) AS t, expires_at AS e FROM uacreg_node");
      expect(row?.t).toBe("integer");
      if (joined.kind !== "joined") throw new Error("not joined");
      expect(Number(row?.e) - joined.dbNow).toBeGreaterThanOrEqual(14_900);
      expect(Number(row?.e) - joined.dbNow).toBeLessThanOrEqual(15_000);
      expect(store.notifier).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
