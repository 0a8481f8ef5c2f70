import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The embedded SQLite default starts without TypeORM (README "Start-up without TypeORM"; importing TypeORM costs
 * 0.2–0.35 CPU-s): schema check/creation and the rows' pages go through better-sqlite3, TypeORM loads at the first
 * write. Checked in a child process of its own (the built package, as the daemon runs it): the test runner's own
 * process may have TypeORM in its CommonJS cache from other files.
 */
const PROBE = `
import { createRequire } from "node:module";
import { sep } from "node:path";
import { pathToFileURL } from "node:url";
const root = process.env.PKG;
const req = createRequire(root + "/package.json");
const { openRepository } = await import(pathToFileURL(req.resolve("@uacreg/db")).href);
const { sqliteAdapter } = await import(pathToFileURL(root + "/dist/index.js").href);
const Database = req("better-sqlite3");
const typeorm = () => Object.keys(req.cache).some((k) => k.includes(sep + "typeorm" + sep));
const file = process.env.DB_FILE;
const key = { aor: "sip:u1@reg.test", contact: "sip:u1@127.0.0.1:5060", registrar: "sip:127.0.0.1:5099" };
const out = {};
const repo = await openRepository("sqlite://" + file, {}, [sqliteAdapter]);
await repo.createSchema();
const db = new Database(file);
const ins = db.prepare("INSERT INTO registrant (registrar, aor, binding_URI, expiry, state) VALUES (?, ?, ?, ?, 0)");
for (let i = 0; i < 3; i++) ins.run("sip:127.0.0.1:5099", "sip:u" + i + "@reg.test", "sip:u" + i + "@127.0.0.1:5060", 60);
db.close();
out.rows = 0;
for await (const page of repo.loadPages()) out.rows += page.length;
out.count = await repo.count();
out.typeormBeforeWrite = typeorm();
await repo.updateState(key, 1);
out.typeormAfterWrite = typeorm();
out.stored = (await repo.findOne(key))?.state;
await repo.close();
console.log(JSON.stringify(out));
`;

const dir = mkdtempSync(join(tmpdir(), "uacreg-sqlite-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the embedded SQLite at start-up", () => {
  it("creates the table, reads and counts every row without loading TypeORM; the first write loads it and is stored", () => {
    const script = join(dir, "probe.mjs");
    writeFileSync(script, PROBE);
    const pkg = fileURLToPath(new URL("..", import.meta.url));
    const run = spawnSync(process.execPath, [script], {
      env: { ...process.env, PKG: pkg, DB_FILE: join(dir, "uacreg.db") },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      rows: 3,
      count: 3,
      typeormBeforeWrite: false,
      typeormAfterWrite: true,
      stored: 1,
    });
  });
});
