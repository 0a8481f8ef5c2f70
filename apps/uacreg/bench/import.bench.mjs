#!/usr/bin/env node
/**
 * `uacreg db import` of N rows (default 50,000), first into an empty table, then the same file again (every row
 * already there), then a file where every row changed, through the built CLI's `runCli` (`apps/uacreg/dist`, run
 * `pnpm turbo run build --filter=@uacreg/cli...` first) in this process, on SQLite and PostgreSQL. Prints the wall
 * time and the CPU time (user + system, this process: the CLI's side, not the database server's) of each run and the
 * CLI's summary line, plus the load average (the machine is shared); not a test. Node's start-up and module loading
 * (~0.5 s per command) are not included.
 *
 * `CASES=first,same` picks runs (default first,same,changed; `same` and `changed` need `first` before them).
 * `BEFORE=1` runs the import this one replaced, through the same repository and the same CSV checks, for a
 * comparison on the same machine at the same load: multi-row INSERTs in chunks of 500, and a chunk that hits an
 * existing key redone row by row with `upsert` (INSERT, then UPDATE on the duplicate key).
 *
 *   node apps/uacreg/bench/import.bench.mjs                 # N=50000, sqlite and postgres
 *   N=10000 ENGINES=sqlite node apps/uacreg/bench/import.bench.mjs
 *
 * PostgreSQL: UACREG_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); a table of its own
 * (`bench_import_<pid>`), dropped at the end.
 */
import { promises as fsp } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { DataError, openRepository } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { runCli } from "../dist/cli.js";
import { parseRegistrantCsv } from "../dist/registrant-csv.js";

const N = Number(process.env.N ?? 50_000);
const ENGINES = (process.env.ENGINES ?? "sqlite,postgres").split(",");
const PG = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BEFORE = process.env.BEFORE === "1";
/** Which runs: `first`, `same`, `changed` (default all three). */
const CASES = (process.env.CASES ?? "first,same,changed").split(",");

/** The previous `db import` (before the batched upsert), for BEFORE=1. */
async function importBefore(args) {
  const [, , file, , dbUrl, , tableName] = args;
  const { rows, problems } = parseRegistrantCsv(await readFile(file, "utf8"), tableName ? { tableName } : {});
  const repo = await openRepository(dbUrl, tableName ? { tableName } : {}, [sqliteAdapter, postgresAdapter]);
  let imported = 0;
  try {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      try {
        await repo.insertMany(chunk.map((r) => r.row));
        imported += chunk.length;
        continue;
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
      }
      for (const { row } of chunk) {
        await repo.upsert(row);
        imported++;
      }
    }
  } finally {
    await repo.close();
  }
  return { code: 0, out: `imported ${imported} row(s), skipped ${problems.length}\n` };
}

function csv(n, changed = false) {
  const lines = ["registrar,proxy,aor,username,password,binding_URI,expiry,cluster_shtag,state"];
  for (let i = 0; i < n; i++) {
    const expiry = changed ? 1800 : 3600;
    lines.push(
      `sip:reg${i % 10}.example.com,,sip:user${i}@example.com,user${i},pw${i},sip:user${i}@192.0.2.${i % 250}:5060,${expiry},,0`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function timed(args) {
  let out = "";
  const io = { stdout: (t) => (out += t), stderr: () => undefined };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let code;
  if (BEFORE && args[1] === "import") ({ code, out } = await importBefore(args));
  else code = await runCli(args, io);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { s, cpu: (cpu.user + cpu.system) / 1e6, out: out.trim().split("\n").pop(), code };
}

const dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-import-bench-"));
const file = join(dir, "rows.csv");
const changedFile = join(dir, "rows-changed.csv");
await fsp.writeFile(file, csv(N));
await fsp.writeFile(changedFile, csv(N, true));
console.log(
  `uacreg db import${BEFORE ? " (BEFORE: the previous import)" : ""}: ${N} rows (${((await fsp.stat(file)).size / 1e6).toFixed(1)} MB CSV); load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
try {
  for (const engine of ENGINES) {
    const table = `bench_import_${process.pid}`;
    const dbArgs = engine === "sqlite" ? ["--db-url", `sqlite://${dir}/bench.db`] : ["--db-url", PG, "--table", table];
    const created = await timed(["db", "create", ...dbArgs]);
    if (created.code !== 0) {
      console.log(`${engine}: cannot create the table: ${created.out}`);
      continue;
    }
    try {
      for (const [what, f] of [
        ["first import (empty table)", file, "first"],
        ["re-import, same rows", file, "same"],
        ["re-import, every row changed", changedFile, "changed"],
      ].filter(([, , c]) => CASES.includes(c))) {
        const r = await timed(["db", "import", f, ...dbArgs]);
        console.log(
          `${engine.padEnd(8)} ${what.padEnd(30)} ${r.s.toFixed(2).padStart(6)} s wall ${r.cpu.toFixed(2).padStart(6)} s CPU ${Math.round(
            N / r.s,
          )
            .toString()
            .padStart(7)} rows/s  ${r.out}${r.code ? ` (exit ${r.code})` : ""}`,
        );
      }
    } finally {
      if (engine === "postgres") {
        const { openRepository } = await import("@uacreg/db");
        const { postgresAdapter } = await import("@uacreg/db-postgres");
        const repo = await openRepository(PG, { tableName: table }, [postgresAdapter]);
        const ds = await repo.dataSource();
        await ds.query(`DROP TABLE IF EXISTS "${table}"`);
        await ds.query(`DELETE FROM version WHERE table_name = $1`, [table]);
        await repo.close();
      }
    }
  }
} finally {
  await fsp.rm(dir, { recursive: true, force: true });
}
console.log(
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
