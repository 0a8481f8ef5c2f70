// Instructions an empty start of the built daemon executes (docs/performance-startup.md, fifth session): callgrind
// counts them from node's first instruction to the process's exit, the daemon stopped with SIGTERM as soon as it
// logs "registrant records loaded". Unlike CPU-seconds on a shared machine, the count of one build repeats within
// 1-2 %. Needs valgrind; ~20 s per run. Figures, no assertions.
//
//   node apps/uacregd/bench/startup-instructions.bench.mjs [--repeat=2] [entry.js …]
//
// Each entry (default: apps/uacregd/dist/main.js) is run with the shipped node flags (its first line), in turn, the
// same empty SQLite table and the same listeners as startup.bench.mjs (MI HTTP, metrics, the status page's default).
// An entry must sit where node resolves the daemon's externals: a copy of dist/ next to it in apps/uacregd (e.g.
// apps/uacregd/dist-before/, built from another commit's scripts/bundle.mjs) compares two bundles.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as L from "../../../test/bench/lib.mjs";

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const repeat = Number(arg("repeat", "2"));
const entries = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (entries.length === 0) entries.push(L.UACREGD);

const flagsOf = (entry) => {
  const m = /^#!\S*env\s+(?:-S\s+)?node\b(.*)$/.exec(readFileSync(entry, "utf8").split("\n", 1)[0]);
  return m === null ? [] : m[1].split(/\s+/).filter(Boolean);
};

async function run(dir, dbUrl, entry) {
  const [sip, mi, metrics] = [await L.freePort(true), await L.freePort(), await L.freePort()];
  const config = {
    listen: [`udp:127.0.0.1:${sip}`],
    db_url: dbUrl,
    data_dir: dir,
    registrant: { hash_size: 1, timer_interval: 10 },
    mi: { http: { listen: `127.0.0.1:${mi}`, root: "mi" }, fifo: null },
    log: { level: "info", format: "json" },
    metrics: { listen: `127.0.0.1:${metrics}` },
  };
  const configFile = join(dir, "uacregd.json");
  writeFileSync(configFile, JSON.stringify(config));
  const logFile = join(dir, "uacregd.log");
  const out = join(dir, "callgrind.out");
  const fd = openSync(logFile, "w");
  const valgrind = ["--tool=callgrind", "--cache-sim=no", `--callgrind-out-file=${out}`];
  const node = [process.execPath, ...flagsOf(entry), entry, "--config", configFile];
  const child = L.track(
    spawn("valgrind", [...valgrind, ...node], {
      cwd: dir,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, TZ: "UTC" },
    }),
  );
  closeSync(fd);
  for (;;) {
    const log = readFileSync(logFile, "utf8");
    if (log.includes("registrant records loaded")) break;
    if (child.exitCode !== null) throw new Error(`daemon exited: ${log.slice(-800)}`);
    await L.sleep(200);
  }
  await L.stopChild(child, "SIGTERM", 120_000);
  const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"))?.[1];
  rmSync(out, { force: true });
  return Number(total) / 1e9;
}

const dir = L.tempDir("startup-instructions");
try {
  const dbUrl = await L.makeRegistrantDb({ path: join(dir, "r0.db") }, 0, "sip:127.0.0.1:9", 3600, "127.0.0.1:5099");
  for (let i = 0; i < repeat; i++) {
    for (const entry of entries) {
      const g = await run(dir, dbUrl, entry);
      console.log(`${entry} #${i + 1}: ${L.fmt(g, 3)} G instructions (start → records loaded → stopped)`);
    }
  }
} finally {
  L.removeDir(dir);
}
