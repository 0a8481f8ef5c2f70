// Load time and memory of RegistrantRepository.loadAll on SQLite (a file in a temp dir), 100,000 and 1,000,000 rows.
// Run after a build: node --expose-gc packages/db-sqlite/bench/load.bench.mjs  (UACREG_BENCH_ROWS=100000,1000000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@uacreg/db";
import { formatLoadMeasurement, measureLoad, sampleRow } from "@uacreg/db/testing";
import { sqliteAdapter } from "@uacreg/db-sqlite";

const sizes = (process.env.UACREG_BENCH_ROWS ?? "100000,1000000").split(",").map(Number);
const dir = mkdtempSync(join(tmpdir(), "uacreg-bench-sqlite-"));
try {
  for (const n of sizes) {
    const repo = await openRepository(`sqlite://${join(dir, `b${n}.db`)}`, {}, [sqliteAdapter]);
    await repo.createSchema();
    const m = await measureLoad(repo, n, sampleRow);
    await repo.close();
    console.log(formatLoadMeasurement("sqlite", m));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
