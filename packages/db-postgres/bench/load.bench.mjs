// Load time and memory of RegistrantRepository.loadAll on PostgreSQL (its own temporary database), 100,000 rows.
// Run after a build: node --expose-gc packages/db-postgres/bench/load.bench.mjs  (UACREG_TEST_PG_URL, UACREG_BENCH_ROWS)
import { randomBytes } from "node:crypto";
import { openRepository } from "@uacreg/db";
import { formatLoadMeasurement, measureLoad, sampleRow } from "@uacreg/db/testing";
import { postgresAdapter } from "@uacreg/db-postgres";
import pg from "pg";

const adminUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const sizes = (process.env.UACREG_BENCH_ROWS ?? "100000").split(",").map(Number);
const db = `uacreg_b_${randomBytes(4).toString("hex")}`;
const url = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${db}`);

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
    const m = await measureLoad(repo, n, sampleRow);
    await repo.close();
    console.log(formatLoadMeasurement("postgres", m));
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}
