// Start-up and load of the built daemon (docs/performance-startup.md): CPU-seconds from /proc of the daemon process
// when the MI listens ("uacregd listening") and when the rows are loaded ("registrant records loaded"), and the
// latency of MI reg_stats (one call every 50 ms, 5 s time-out) through the load. Figures, no assertions.
//
//   node apps/uacregd/bench/startup.bench.mjs [--rows=0,1000000] [--repeat=3] [--pg]
//
// The rows point at a registrar on the discard port (sip:127.0.0.1:9): nothing answers, the run stops at "loaded".
// --pg loads from UACREG_TEST_PG_URL (table bench_startup_<pid>, dropped at the end). UACREG_BENCH_NODE_FLAGS is
// passed to the daemon's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as L from "../../../test/bench/lib.mjs";

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const rowsList = arg("rows", "0,1000000").split(",").map(Number);
const repeat = Number(arg("repeat", "3"));
const pg = process.argv.includes("--pg");
const pgUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function run(dir, dbUrl, table) {
  const port = await L.freePort(true);
  const d = await L.spawnDaemon(dir, {
    listen: [`udp:127.0.0.1:${port}`],
    db_url: dbUrl,
    data_dir: dir,
    registrant: { hash_size: 1, timer_interval: 10, ...(table ? { table_name: table } : {}) },
  });
  const r = { listenCpu: Number.NaN, loadedCpu: Number.NaN, loadedMs: Number.NaN, mi: [], miFailed: 0 };
  let probing = false;
  const probe = setInterval(() => {
    if (probing || Number.isNaN(r.listenCpu)) return;
    probing = true;
    L.mi(d.miPort, "reg_stats", {}, 5000)
      .then(
        (x) => r.mi.push(x.ms),
        () => r.miFailed++,
      )
      .finally(() => {
        probing = false;
      });
  }, 50);
  try {
    for (;;) {
      const cpu = d.cpu();
      const log = d.log();
      if (Number.isNaN(r.listenCpu) && log.includes("uacregd listening")) r.listenCpu = cpu;
      if (log.includes("registrant records loaded")) {
        r.loadedCpu = cpu;
        r.loadedMs = performance.now() - d.startedMs;
        r.hwmMB = d.mem().hwmMB;
        r.loaded = Number(/"loaded":(\d+)/.exec(log.slice(log.indexOf("registrant records loaded") - 300))?.[1]);
        break;
      }
      if (d.child.exitCode !== null) throw new Error(`daemon exited: ${log.slice(-800)}`);
      await L.sleep(20);
    }
  } finally {
    clearInterval(probe);
    while (probing) await L.sleep(20);
    await d.stop();
  }
  return r;
}

// UACREG_BENCH_DIR keeps the generated SQLite databases between runs (else a temporary directory, removed).
const keep = process.env.UACREG_BENCH_DIR;
const dir = keep ?? L.tempDir("startup-bench");
const results = [];
try {
  for (const n of rowsList) {
    for (const engine of pg ? ["sqlite", "postgres"] : ["sqlite"]) {
      let dbUrl;
      let table;
      if (engine === "sqlite") {
        const path = join(dir, `r${n}.db`);
        dbUrl = existsSync(path)
          ? `sqlite://${path}`
          : await L.makeRegistrantDb({ path }, n, "sip:127.0.0.1:9", 3600, "127.0.0.1:5099");
      } else {
        table = `bench_startup_${process.pid}`;
        dbUrl = await L.makeRegistrantDb({ pgUrl, table }, n, "sip:127.0.0.1:9", 3600, "127.0.0.1:5099");
      }
      try {
        for (let i = 0; i < repeat; i++) {
          const r = await run(dir, dbUrl, table);
          const miMax = r.mi.length ? Math.max(...r.mi) : Number.NaN;
          results.push({ engine, n, ...r, mi: undefined, miCalls: r.mi.length, miMaxMs: miMax });
          console.log(
            `${engine} rows=${n} #${i + 1} (${r.loaded} loaded): listening at CPU ${L.fmt(r.listenCpu, 2)} s, loaded at CPU ` +
              `${L.fmt(r.loadedCpu, 2)} s (wall ${L.fmt(r.loadedMs / 1000, 1)} s), peak RSS ${L.fmt(r.hwmMB, 0)} MB, ` +
              `MI reg_stats ${r.mi.length} answered (max ${L.fmt(miMax, 0)} ms), ${r.miFailed} timed out; ` +
              `load ${L.loadAvg()}`,
          );
        }
      } finally {
        if (table) await L.dropPgTable(pgUrl, table);
      }
    }
  }
} finally {
  if (!keep) L.removeDir(dir);
}
