import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The patched better-sqlite3 (README "better-sqlite3, patched: a row in one call"; patches/ at the repository's
 * root): on Node 20 a raw row and `all()`'s result are built in one `v8::Array::New` each instead of one generic
 * `Set` per value, about half the cost of reading a row. The patch changes how the arrays are made, not what they
 * hold: the rows below must read as before on both of its paths (≤ 32 columns in one call, more the old way).
 */
const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("better-sqlite3/package.json"));

describe("better-sqlite3 as installed", () => {
  it("is built here from the patched source (a prebuilt addon would be the unpatched one)", () => {
    const data = readFileSync(join(packageDir, "src/util/data.cpp"), "utf8");
    const statement = readFileSync(join(packageDir, "src/objects/statement.cpp"), "utf8");
    expect(data).toContain("uacreg patch");
    expect(data).toContain("v8::Array::New(isolate, values, column_count)");
    expect(statement).toContain("v8::Array::New(isolate, rows.data(), rows.size())");
    // node-gyp's object file: the addon was compiled from that source on this machine, not downloaded.
    expect(existsSync(join(packageDir, "build/Release/obj.target/better_sqlite3/src/better_sqlite3.o"))).toBe(true);
  });
});

describe("raw rows and all() through the patched paths", () => {
  const db = new Database(":memory:");
  afterAll(() => db.close());

  it("reads every value of a raw row in column order, NULLs, integers, reals, texts and blobs", () => {
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL, d BLOB, e TEXT)");
    const ins = db.prepare("INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)");
    for (let i = 0; i < 2500; i++) ins.run(`sip:u${i}@reg.test`, i, i / 4, Buffer.from([i & 255]), i % 3 ? null : "x");
    const rows = db.prepare("SELECT id, a, b, c, d, e FROM t ORDER BY id").raw(true).all() as unknown[][];
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual([1, "sip:u0@reg.test", 0, 0, Buffer.from([0]), "x"]);
    expect(rows[1]).toEqual([2, "sip:u1@reg.test", 1, 0.25, Buffer.from([1]), null]);
    expect(rows[2499]).toEqual([2500, "sip:u2499@reg.test", 2499, 624.75, Buffer.from([2499 & 255]), "x"]);
    expect(rows.every((r, i) => Array.isArray(r) && r.length === 6 && r[0] === i + 1)).toBe(true);
    // A row made by v8::Array::New is an ordinary array, as the unpatched one was: writable, extensible, iterable.
    const first = rows[0] as unknown[];
    first.push("more");
    expect([...first]).toHaveLength(7);
  });

  it("reads a row of more than 32 columns (the unpatched way) and an empty result", () => {
    const columns = Array.from({ length: 40 }, (_, i) => `${i} AS c${i}`).join(", ");
    const [row] = db.prepare(`SELECT ${columns}`).raw(true).all() as number[][];
    expect(row).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(db.prepare("SELECT id FROM t WHERE id < 0").raw(true).all()).toEqual([]);
  });

  it("leaves object rows and pluck as they were", () => {
    expect(db.prepare("SELECT id, b FROM t WHERE id <= 2 ORDER BY id").all()).toEqual([
      { id: 1, b: 0 },
      { id: 2, b: 1 },
    ]);
    expect(db.prepare("SELECT a FROM t WHERE id <= 2 ORDER BY id").pluck(true).all()).toEqual([
      "sip:u0@reg.test",
      "sip:u1@reg.test",
    ]);
  });
});
