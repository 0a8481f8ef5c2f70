// Load time and memory of RegistrantRepository.loadAll on SQLite (a file in a temp dir), 100,000 and 1,000,000 rows.
// Run after a build: node --expose-gc packages/db-sqlite/bench/load.bench.mjs  (UACREG_BENCH_ROWS=100000,1000000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository, sampleRow } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";

const sizes = (process.env.UACREG_BENCH_ROWS ?? "100000,1000000").split(",").map(Number);
const mb = (b) => (b / 1048576).toFixed(1);
const dir = mkdtempSync(join(tmpdir(), "uacreg-bench-sqlite-"));
try {
  for (const n of sizes) {
    const repo = await openRepository(`sqlite://${join(dir, `b${n}.db`)}`, {}, [sqliteAdapter]);
    await repo.createSchema();
    const t0 = performance.now();
    await repo.insertMany(
      (function* () {
        for (let i = 0; i < n; i++) yield sampleRow(i);
      })(),
    );
    const t1 = performance.now();
    globalThis.gc?.();
    const before = process.memoryUsage();
    let count = 0;
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    const t2 = performance.now();
    for await (const _row of repo.loadAll()) {
      if (++count % 10000 === 0) {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }
    }
    const t3 = performance.now();
    await repo.close();
    console.log(
      `sqlite ${n} rows: insertMany ${((t1 - t0) / 1000).toFixed(2)} s; loadAll ${((t3 - t2) / 1000).toFixed(2)} s ` +
        `(${Math.round(n / ((t3 - t2) / 1000))} rows/s, ${count} rows); heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)} MB; ` +
        `rss ${mb(before.rss)} → peak ${mb(peakRss)} MB`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
