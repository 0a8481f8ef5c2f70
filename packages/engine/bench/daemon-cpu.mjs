// CPU and memory of the BUILT daemon's send path (issue 14 "Targets"), as an operator runs it: apps/uacregd/dist
// as its own process on a SQLite table of N accounts (hash_size 1, timer_interval 10), against a Kamailio 5.6
// registrar that challenges every REGISTER (digest MD5, qop=auth, subscriber table, usrloc in memory, 4 workers:
// kamailio-digest.cfg). CPU is the daemon process's from /proc/<pid>/stat.
//
//   node packages/engine/bench/daemon-cpu.mjs [--n 20000] [--expiry 60] [--soak 180] [--runs 1]
//        [--node-flags "--max-semi-space-size=32"] [--cpu-prof DIR] [--log-level info] [--registrar kamailio|demo]
//
// Prints, per run: CPU-s before the first REGISTER (start-up and load), per 1,000 first registrations (from the end of
// the load until all N are REGISTERED), per 1,000 refreshes during the soak (one 2xx each), REGISTERs per
// registration and per refresh, retransmissions, peak and settled RSS, the load average. Figures, not assertions.
// Needs a build (`pnpm turbo run build --filter=uacregd...`) and kamailio (`.ci/run` installs it).
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  cpuSeconds,
  freePort,
  httpGet,
  killAll,
  memOf,
  mi,
  ROOT,
  removeDir,
  sleep,
  stopChild,
  tempDir,
  track,
  UACREGD as UACREGD_HERE,
  waitUdpBound,
} from "../../../bench/hardening/lib.mjs";

const HERE = import.meta.dirname;
/** CLOCK_MONOTONIC in µs: the clock of the timestamps of a V8 CPU profile, to cut it into the phases. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);
const { values: opt } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    expiry: { type: "string", default: "60" },
    soak: { type: "string", default: "180" },
    runs: { type: "string", default: "1" },
    "node-flags": { type: "string", default: "" },
    "cpu-prof": { type: "string" },
    "log-level": { type: "string", default: "info" },
    registrar: { type: "string", default: "kamailio" },
    "max-in-flight": { type: "string" },
    "keep-dir": { type: "boolean", default: false },
    /** Another checkout's build to run (before/after comparisons on one machine). */
    root: { type: "string" },
  },
});
const N = Number(opt.n);
const UACREGD = opt.root ? join(opt.root, "apps/uacregd/dist/main.js") : UACREGD_HERE;
const EXPIRY = Number(opt.expiry);
const SOAK_S = Number(opt.soak);
const sqliteRequire = createRequire(join(ROOT, "packages/db-sqlite/package.json"));
const Database = sqliteRequire("better-sqlite3");
const appRequire = createRequire(join(ROOT, "apps/uacregd/package.json"));
const importPkg = (name) => import(appRequire.resolve(name));

async function makeDatabase(dir, registrar) {
  const path = join(dir, "registrant.db");
  const { openRepository } = await importPkg("@uacreg/db");
  const { sqliteAdapter } = await importPkg("@uacreg/db-sqlite");
  const repo = await openRepository(`sqlite://${path}`, {}, [sqliteAdapter]);
  await repo.createSchema();
  await repo.close();
  const db = new Database(path);
  const insert = db.prepare(
    "INSERT INTO registrant (registrar, aor, username, password, binding_URI, expiry, state) VALUES (?, ?, ?, ?, ?, ?, 0)",
  );
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      insert.run(registrar, `sip:u${i}@reg.test`, `u${i}`, "secret", `sip:u${i}@127.0.0.1:5099`, EXPIRY);
    }
  })();
  db.close();
  return `sqlite://${path}`;
}

async function startKamailio(dir) {
  const port = await freePort(true);
  const dbPath = join(dir, "kamailio.db");
  const db = new Database(dbPath);
  for (const f of ["standard-create.sql", "auth_db-create.sql"]) {
    db.exec(readFileSync(join("/usr/share/kamailio/db_sqlite", f), "utf8"));
  }
  const insert = db.prepare("INSERT INTO subscriber (username, domain, password) VALUES (?, 'reg.test', 'secret')");
  db.transaction(() => {
    for (let i = 0; i < N; i++) insert.run(`u${i}`);
  })();
  db.close();
  const cfg = readFileSync(join(HERE, "kamailio-digest.cfg"), "utf8")
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{CHILDREN}}", "4")
    .replaceAll("{{DB_URL}}", `sqlite:///${dbPath}`)
    .replaceAll("{{MPATH}}", "/usr/lib/x86_64-linux-gnu/kamailio/modules/");
  writeFileSync(join(dir, "kamailio.cfg"), cfg);
  const args = ["-f", join(dir, "kamailio.cfg"), "-DD", "-E", "-w", dir, "-P", join(dir, "kamailio.pid"), "-Y", dir];
  args.push("-m", "512", "-M", "16", "-b", String(16 * 1024 * 1024));
  // Its own process group: Kamailio forks its workers, and the whole group is stopped at the end (killGroup).
  const child = track(spawn("kamailio", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], detached: true }));
  groups.add(child.pid);
  child.once("exit", () => groups.delete(child.pid));
  let err = "";
  child.stderr.on("data", (c) => {
    err = (err + c).slice(-20_000);
  });
  await waitUdpBound(port).catch((e) => {
    throw new Error(`${e.message}\n${err}`);
  });
  return { child, port };
}

/** Process groups started here (Kamailio and its workers), killed whatever happens. */
const groups = new Set();
/** The run directories: a Kamailio worker left behind is found by its command line naming one (killLeftovers). */
const runDirs = new Set();
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {}
}
/** Kills the processes whose command line names one of this benchmark's run directories (by their pids). */
function killLeftovers() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "latin1");
    } catch {
      continue;
    }
    for (const dir of runDirs) {
      if (cmd.includes(dir)) {
        try {
          process.kill(Number(entry), "SIGKILL");
        } catch {}
      }
    }
  }
}
process.once("exit", () => {
  for (const pid of groups) killGroup(pid, "SIGKILL");
  killLeftovers();
});

async function startDemo(dir) {
  const port = await freePort(true);
  const child = track(
    spawn(process.execPath, [join(ROOT, "bench/hardening/demo-registrar-child.mjs"), String(port), String(N)], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    }),
  );
  await waitUdpBound(port);
  return { child, port };
}

async function startDaemon(dir, dbUrl, run) {
  const sipPort = await freePort(true);
  const miPort = await freePort();
  const metricsPort = await freePort();
  const registrant = { hash_size: 1, timer_interval: 10 };
  if (opt["max-in-flight"]) registrant.max_in_flight = Number(opt["max-in-flight"]);
  const config = {
    listen: [`udp:127.0.0.1:${sipPort}`],
    db_url: dbUrl,
    registrant,
    mi: { http: { listen: `127.0.0.1:${miPort}`, root: "mi" }, fifo: null },
    log: { level: opt["log-level"], format: "json" },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  };
  const configFile = join(dir, "uacreg.json");
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const logFile = join(dir, "uacregd.log");
  const fd = openSync(logFile, "w");
  const flags = opt["node-flags"].split(" ").filter(Boolean);
  if (opt["cpu-prof"])
    flags.push("--cpu-prof", `--cpu-prof-dir=${opt["cpu-prof"]}`, `--cpu-prof-name=run${run}.cpuprofile`);
  const child = track(
    spawn(process.execPath, [...flags, UACREGD, "--config", configFile], { stdio: ["ignore", fd, fd] }),
  );
  closeSync(fd);
  const end = Date.now() + 300_000;
  let peakHwm = 0;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`uacregd exited ${child.exitCode}:\n${readFileSync(logFile, "utf8")}`);
    // Loaded: every record is in the table (any state), whatever the log level.
    const m = await metrics(metricsPort).catch(() => undefined);
    if (m !== undefined && sumStates(m) >= N) break;
    if (Date.now() > end) throw new Error("uacregd did not load in 300 s");
    await sleep(50);
  }
  peakHwm = memOf(child.pid).hwmMB;
  return { child, pid: child.pid, miPort, metricsPort, logFile, loadHwm: peakHwm };
}

/** The daemon's Prometheus text as { "name{labels}": value }. */
async function metrics(port) {
  const text = await httpGet(port, "/metrics");
  const out = {};
  for (const m of text.matchAll(/^(uacreg_\w+(?:\{[^}]*\})?) (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}
/** The first of `keys` present (metric names of the old and the new metrics module). */
const pick = (m, ...keys) => {
  for (const k of keys) if (m[k] !== undefined) return m[k];
  return 0;
};
const sent = (m) =>
  pick(
    m,
    'uacreg_transport_requests_sent_total{method="REGISTER"}',
    'uacreg_transport{counter="requestsSent_REGISTER"}',
    'uacreg_transport{counter="requestsSent.REGISTER"}',
  );
const ok2xx = (m) =>
  pick(
    m,
    'uacreg_transport_responses_received_total{class="2xx"}',
    'uacreg_transport{counter="responsesReceived_2xx"}',
    'uacreg_transport{counter="responsesReceived.2xx"}',
  );
const retrans = (m) => pick(m, "uacreg_transport_retransmissions_total", 'uacreg_transport{counter="retransmissions"}');
const timeouts = (m) => pick(m, "uacreg_transport_transaction_timeouts_total", 'uacreg_transport{counter="timeouts"}');
const sumStates = (m) =>
  Object.entries(m).reduce((n, [k, v]) => (k.startsWith("uacreg_records{state=") ? n + v : n), 0);
const registered = (m) => pick(m, 'uacreg_records{state="REGISTERED_STATE"}');

async function oneRun(run) {
  const dir = tempDir("cpu");
  runDirs.add(dir);
  let reg;
  let d;
  try {
    reg = opt.registrar === "demo" ? await startDemo(dir) : await startKamailio(dir);
    const dbUrl = await makeDatabase(dir, `sip:127.0.0.1:${reg.port}`);
    const t0 = performance.now();
    d = await startDaemon(dir, dbUrl, run);
    const loadedMs = performance.now() - t0;
    const cpuLoaded = cpuSeconds(d.pid);
    // Until the first REGISTER leaves: idle (the walk's first visit); then until all N are REGISTERED.
    let m = await metrics(d.metricsPort);
    let cpuFirst = cpuLoaded;
    while (sent(m) === 0) {
      cpuFirst = cpuSeconds(d.pid);
      await sleep(50);
      m = await metrics(d.metricsPort);
    }
    const tFirst = performance.now();
    const mono = { first: monoUs() };
    let peakRss = 0;
    let miMax = 0;
    for (;;) {
      const a = performance.now();
      await mi(d.miPort, "uptime");
      miMax = Math.max(miMax, performance.now() - a);
      m = await metrics(d.metricsPort);
      peakRss = Math.max(peakRss, memOf(d.pid).rssMB);
      if (registered(m) >= N) break;
      if (performance.now() - tFirst > 300_000) throw new Error(`not all registered: ${JSON.stringify(m)}`);
      await sleep(500);
    }
    const cpuRegistered = cpuSeconds(d.pid);
    mono.registered = monoUs();
    const rampS = (performance.now() - tFirst) / 1000;
    const mReg = m;
    const regsPerRecord = sent(mReg) / N;
    // Soak: refreshes (one 2xx each) over SOAK_S seconds.
    const soakEnd = performance.now() + SOAK_S * 1000;
    while (performance.now() < soakEnd) {
      // Every 5 s: an MI call and a /proc read cost the daemon CPU that would count as the refreshes'.
      await sleep(5000);
      const a = performance.now();
      await mi(d.miPort, "uptime");
      miMax = Math.max(miMax, performance.now() - a);
      peakRss = Math.max(peakRss, memOf(d.pid).rssMB);
    }
    const cpuSoak = cpuSeconds(d.pid);
    mono.soakEnd = monoUs();
    const mSoak = await metrics(d.metricsPort);
    const refreshes = ok2xx(mSoak) - ok2xx(mReg);
    const soakSent = sent(mSoak) - sent(mReg);
    const mem = memOf(d.pid);
    const row = {
      run,
      build: opt.root ?? ".",
      n: N,
      loadS: +(loadedMs / 1000).toFixed(2),
      cpuStartup: +cpuFirst.toFixed(2),
      cpuPer1kFirst: +(((cpuRegistered - cpuFirst) / N) * 1000).toFixed(4),
      rampS: +rampS.toFixed(1),
      regsPerRecord: +regsPerRecord.toFixed(3),
      refreshes,
      cpuPer1kRefresh: refreshes ? +(((cpuSoak - cpuRegistered) / refreshes) * 1000).toFixed(4) : Number.NaN,
      cpuSoakPerS: +((cpuSoak - cpuRegistered) / SOAK_S).toFixed(4),
      regsPerRefresh: refreshes ? +(soakSent / refreshes).toFixed(3) : Number.NaN,
      retransRamp: retrans(mReg),
      retrans: retrans(mSoak),
      timeouts: timeouts(mSoak),
      peakRssMB: Math.round(Math.max(peakRss, mem.hwmMB)),
      rssMB: Math.round(mem.rssMB),
      miMaxMs: Math.round(miMax),
      load: loadavg()[0].toFixed(2),
    };
    if (opt["cpu-prof"]) row.monoUs = mono;
    return row;
  } finally {
    if (d) {
      if (opt["cpu-prof"]) await stopChild(d.child, "SIGTERM", 20_000);
      else await stopChild(d.child, "SIGKILL");
    }
    if (reg) {
      killGroup(reg.child.pid, "SIGTERM");
      await stopChild(reg.child, "SIGTERM");
    }
    killLeftovers();
    runDirs.delete(dir);
    if (!opt["keep-dir"]) removeDir(dir);
  }
}

try {
  for (let run = 1; run <= Number(opt.runs); run++) console.log(JSON.stringify(await oneRun(run)));
} finally {
  killAll();
}
