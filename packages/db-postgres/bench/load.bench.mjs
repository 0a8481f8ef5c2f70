// Load time and memory of RegistrantRepository.loadAll on PostgreSQL (its own temporary database), 100,000 rows.
// Run after a build: node --expose-gc packages/db-postgres/bench/load.bench.mjs  (UACREG_TEST_PG_URL, UACREG_BENCH_ROWS)
import { randomBytes } from "node:crypto";
import { openRepository, sampleRow } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import pg from "pg";

const adminUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const sizes = (process.env.UACREG_BENCH_ROWS ?? "100000").split(",").map(Number);
const db = `uacreg_b_${randomBytes(4).toString("hex")}`;
const url = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${db}`);
const mb = (b) => (b / 1048576).toFixed(1);

async function admin(sql) {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

try {
  await admin(`CREATE DATABASE ${db}`);
} catch (e) {
  console.warn(`!!!!! SKIPPED: PostgreSQL unreachable (${e.message})`);
  process.exit(0);
}
try {
  for (const n of sizes) {
    const repo = await openRepository(url, { tableName: `b${n}` }, [postgresAdapter]);
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
      `postgres ${n} rows: insertMany ${((t1 - t0) / 1000).toFixed(2)} s; loadAll ${((t3 - t2) / 1000).toFixed(2)} s ` +
        `(${Math.round(n / ((t3 - t2) / 1000))} rows/s, ${count} rows); heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)} MB; ` +
        `rss ${mb(before.rss)} → peak ${mb(peakRss)} MB`,
    );
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}
