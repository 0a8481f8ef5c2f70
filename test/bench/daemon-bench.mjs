#!/usr/bin/env node
// The daemon-level benchmark of issue 14: the BUILT uacregd, Kamailio's uac_reg and a minimal Node client
// (node-floor.mjs, the floor under uacregd) register the same N accounts, one after the other, with the same Kamailio
// registrar (digest MD5 qop=auth against a subscriber table); CPU and memory of each whole process from /proc. Method
// and figures: README.md beside this file.
//
//   node test/bench/daemon-bench.mjs [--quick] [--n=1000,20000,100000] [--soak] [--startup] [--pg] [--all]
//        [--clients=uacregd,kamailio,floor] [--soak-cycles=3] [--startup-n=1000000] [--tag=before] [--no-write]
//
// Writes test/bench/results/<date>-<tag>.json and .md. Exits 1 when a UDP socket of the run dropped a datagram.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as L from "./lib.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
};
const quick = flag("quick");
const all = flag("all");
const sizes = opt("n", quick ? "1000" : "1000,20000,100000")
  .split(",")
  .filter(Boolean)
  .map(Number);
// floor: node-floor.mjs, the least a Node process does to keep the accounts registered (the floor under uacregd here)
const clients = opt("clients", "uacregd,kamailio,floor").split(",");
const soak = flag("soak") || all;
const soakN = Number(opt("soak-n", quick ? 1000 : 20000));
const soakCycles = Number(opt("soak-cycles", 3));
const startup = flag("startup") || all;
const startupN = Number(opt("startup-n", 1_000_000));
const pg = flag("pg");
const pgUrl =
  process.env.UACREG_BENCH_PG_URL ?? process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const tag = opt("tag", quick ? "quick" : "run");
const MAXBUF = 64 * 1024 * 1024;
const TIMER_INTERVAL = 10; // uacregd timer_interval and uac reg_timer_interval
// uac reg_random_delay: 0 (Kamailio's default) sends every record's first REGISTER at once. Above 20,000 records that
// burst overflows even 64 MiB socket buffers on this machine (the row is then invalid by the drop rule), so by default
// the first REGISTERs are spread over 1 ms per record (100,000: 100 s), as an operator would configure uac_reg;
// --uac-random-delay=S sets it for every N.
const uacRandomDelayOpt = opt("uac-random-delay", "");
const uacRandomDelay = (n) =>
  uacRandomDelayOpt !== "" ? Number(uacRandomDelayOpt) : n <= 20_000 ? 0 : Math.ceil(n / 1000);
const idleMs = quick ? 3000 : 10_000;
/** How long a client may take to register all N: --limit=S, else 120 s or 5 ms per record (start-up: 300 s or 2 ms per record). */
const limitS = Number(opt("limit", 0));
const rampLimit = (n, perRecordMs, floorMs) => (limitS > 0 ? limitS * 1000 : Math.max(floorMs, n * perRecordMs));

const out = {
  commit: L.gitCommit(),
  date: new Date().toISOString(),
  node: process.version,
  nodeFlags: L.daemonNodeFlags().join(" "),
  nodeFlagsSource: process.env.UACREG_BENCH_NODE_FLAGS?.trim() ? "UACREG_BENCH_NODE_FLAGS" : "shipped start command",
  daemonLogLevel: process.env.UACREG_BENCH_LOG_LEVEL ?? "info",
  argv,
  loadAtStart: L.loadAvg(),
  rmemMax: null,
  ramp: [],
  soak: [],
  startup: [],
  problems: [],
};

/** Raises net.core.rmem_max (root only) so the registrar's receive buffer can grow to MAXBUF. */
function raiseRmemMax() {
  const path = "/proc/sys/net/core/rmem_max";
  try {
    const cur = Number(L.readText(path));
    if (cur < MAXBUF) writeFileSync(path, String(MAXBUF));
  } catch {}
  try {
    out.rmemMax = Number(L.readText(path));
  } catch {}
}

/** Per-socket drops of the given UDP ports (sum). */
const dropsOf = (ports) => ports.reduce((s, p) => s + (L.udpSocket(p)?.drops ?? 0), 0);

/**
 * Starts one client (uacregd, Kamailio uac_reg or the minimal Node client), samples the registrar's statistics and
 * the client's CPU every 50 ms until `n` REGISTERs were accepted (200) since the start, then idles `idleMs`. The client is left running
 * (the caller stops it).
 */
async function ramp(kind, dir, n, registrar, { expires, miProbe = false, limitMs }) {
  const s0 = await registrar.stats();
  const snmp0 = L.udpSnmp();
  const regCpu0 = registrar.cpu();
  const regDrops0 = dropsOf([registrar.port]);
  const load = L.loadAvg();
  let client;
  let clientPort;
  if (kind === "uacregd") {
    clientPort = await L.freePort(true);
    const dbUrl = await L.makeRegistrantDb(
      { path: join(dir, "registrant.db") },
      n,
      `sip:127.0.0.1:${registrar.port}`,
      expires,
      `127.0.0.1:${clientPort}`,
    );
    client = await L.spawnDaemon(dir, {
      listen: [`udp:127.0.0.1:${clientPort}`],
      db_url: dbUrl,
      data_dir: dir,
      registrant: { hash_size: 1, timer_interval: TIMER_INTERVAL },
    });
  } else if (kind === "floor") {
    client = await L.spawnFloor(dir, { registrarPort: registrar.port, n, expires, timer: TIMER_INTERVAL });
  } else {
    L.makeUacregDb(join(dir, "uac.db"), n, `sip:127.0.0.1:${registrar.port}`, expires);
    client = await L.spawnUacClient(dir, {
      timer: TIMER_INTERVAL,
      retry: 60,
      randomDelay: uacRandomDelay(n),
      shmMB: Math.max(256, Math.ceil(n / 1000) * 8),
      // uac_reg reads the whole table into the timer process's private memory at start
      pkgMB: Math.max(32, Math.ceil(n / 1000) * 4),
      maxBuf: MAXBUF,
    });
  }
  const t0 = client.startedMs;
  const cpu = () => client.cpu();
  const r = { client: kind, n, load, uacRandomDelayS: kind === "kamailio" ? uacRandomDelay(n) : undefined };
  let prev = { cpu: 0, t: t0, regs: 0 };
  let peakMB = 0;
  let lastMem = 0;
  const miLatencies = [];
  let miFailures = 0;
  let miBusy = false;
  const until = performance.now() + limitMs;
  for (;;) {
    if (kind === "uacregd" && r.readyMs === undefined && client.log().includes("registrant records loaded")) {
      r.loadedMs = performance.now() - t0;
      r.cpuLoaded = cpu();
      r.readyMs = r.loadedMs;
    }
    // uacregd sends nothing before its rows are loaded (packages/engine registrant-engine.ts `start`: the bucket walk
    // starts once the load is done): until it logs so, the registrar is not asked. Asking it is a kamcmd process every
    // 20 ms, which competed with the load for this machine's two cores.
    const stats = kind === "uacregd" && r.readyMs === undefined ? s0 : await registrar.stats();
    const t = performance.now();
    const c = cpu();
    const regs = stats["core:rcv_requests_register"] - s0["core:rcv_requests_register"];
    const acc = stats["registrar:accepted_regs"] - s0["registrar:accepted_regs"];
    // bindings this client added (each client has its own Contact): a record counts once, even if a retransmitted
    // REGISTER was accepted twice
    const bound = stats["usrloc:location_contacts"] - s0["usrloc:location_contacts"];
    if (r.firstRegisterMs === undefined && regs > 0) {
      // the last sample before the registrar saw the first REGISTER: start-up cost
      r.firstRegisterMs = prev.t - t0;
      r.cpuBeforeFirst = prev.cpu;
    }
    if (t - lastMem > 500) {
      lastMem = t;
      peakMB = Math.max(peakMB, kind === "uacregd" ? client.mem().rssMB : client.pssMB());
    }
    if (miProbe && kind === "uacregd" && !miBusy) {
      miBusy = true;
      L.mi(client.miPort, "reg_stats", {}, 5000)
        .then((x) => {
          if (r.miReadyMs === undefined) {
            // the MI answers: the daemon is up (the rows load after this)
            r.miReadyMs = performance.now() - t0;
            r.cpuMiReady = cpu();
          }
          miLatencies.push(x.ms);
        })
        .catch(() => {
          // before the first answer the MI is not listening yet; after it, a failure is a missed answer
          if (r.miReadyMs !== undefined && client.child.exitCode === null) miFailures++;
        })
        .finally(() => {
          miBusy = false;
        });
    }
    prev = { cpu: c, t, regs };
    if (bound >= n) {
      r.allRegisteredMs = t - t0;
      r.cpuAll = c;
      r.cpuSystemAll = client.systemCpu();
      r.bound = bound;
      r.registers = regs;
      r.accepted = acc;
      break;
    }
    if (t > until || client.child.exitCode !== null) {
      r.timedOut = true;
      r.bound = bound;
      r.registers = regs;
      r.accepted = acc;
      r.allRegisteredMs = t - t0;
      r.cpuAll = c;
      r.cpuSystemAll = client.systemCpu();
      out.problems.push(`${kind} N=${n}: only ${bound} of ${n} bound after ${((t - t0) / 1000).toFixed(0)} s`);
      break;
    }
    await L.sleep(r.firstRegisterMs === undefined ? 20 : 100);
  }
  if (kind === "uacregd") {
    const m = await client.metrics().catch(() => ({}));
    r.loopLagMaxMs = m.uacreg_nodejs_eventloop_lag_max_seconds * 1000;
    r.loopLagP99Ms = m.uacreg_nodejs_eventloop_lag_p99_seconds * 1000;
    r.peakMB = client.mem().hwmMB;
  } else {
    r.peakMB = Math.max(peakMB, client.pssMB());
  }
  r.cpuFromFirst = r.cpuAll - r.cpuBeforeFirst;
  // per record registered: when the time limit ended the ramp first, over those bound by then (r.timedOut)
  const done = Math.max(1, r.bound);
  r.cpuPer1k = (r.cpuAll / done) * 1000;
  r.cpuPer1kFromFirst = (r.cpuFromFirst / done) * 1000;
  r.registersPerRegistration = r.registers / done;
  r.registrarCpuRamp = registrar.cpu() - regCpu0;
  // idle: the settled memory and the CPU of an idle minute's fraction
  const cIdle0 = cpu();
  await L.sleep(idleMs);
  r.idleCpuPerMin = ((cpu() - cIdle0) / idleMs) * 60_000;
  if (kind === "uacregd") {
    r.idleMB = client.mem().rssMB;
    const m = await client.metrics().catch(() => ({}));
    r.idleLoopLagMaxMs = m.uacreg_nodejs_eventloop_lag_max_seconds * 1000;
    const st = await L.mi(client.miPort, "reg_stats").catch(() => undefined);
    r.regStats = st?.result;
  } else {
    r.idleMB = client.pssMB();
  }
  if (miProbe) {
    const sorted = [...miLatencies].sort((a, b) => a - b);
    r.miCalls = sorted.length;
    r.miMaxMs = sorted.at(-1);
    r.miP99Ms = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
    r.miFailures = miFailures;
  }
  const snmp1 = L.udpSnmp();
  r.udpRcvbufErrors = snmp1.RcvbufErrors - snmp0.RcvbufErrors;
  r.udpInErrors = snmp1.InErrors - snmp0.InErrors;
  r.registrarSocketDrops = dropsOf([registrar.port]) - regDrops0;
  r.clientSocketDrops = dropsOf([clientPort ?? client.port]);
  r.registrarCpu = registrar.cpu() - regCpu0;
  r.registrarPssMB = registrar.pssMB();
  checkDrops(`${kind} N=${n}`, r);
  return { r, client };
}

function checkDrops(what, r) {
  if (r.registrarSocketDrops > 0 || r.clientSocketDrops > 0) {
    out.problems.push(
      `${what}: UDP socket drops (registrar ${r.registrarSocketDrops}, client ${r.clientSocketDrops}): the run is not valid`,
    );
    out.failed = true;
  } else if (r.udpRcvbufErrors > 0 || r.udpInErrors > 0) {
    // machine-wide counters: other processes on this shared machine can raise them; our sockets dropped nothing
    out.problems.push(
      `${what}: kernel UDP RcvbufErrors +${r.udpRcvbufErrors}, InErrors +${r.udpInErrors} machine-wide (not on this run's sockets)`,
    );
  }
}

async function rampRun(n) {
  const dir = L.tempDir(`ramp${n}`);
  const registrar = await L.startRegistrar(dir, n, {
    children: 4,
    shmMB: Math.max(256, Math.ceil(n / 1000) * 12),
    maxBuf: MAXBUF,
  });
  const rows = [];
  try {
    for (const kind of clients) {
      console.log(`N=${n} ${kind}: registering… (load ${L.loadAvg()})`);
      const { r, client } = await ramp(kind, dir, n, registrar, {
        expires: 3600,
        limitMs: rampLimit(n, 5, 120_000),
      });
      await client.stop();
      rows.push(r);
      printRamp(r);
    }
  } finally {
    await registrar.stop();
    L.removeDir(dir);
  }
  out.ramp.push({ n, rows });
}

function printRamp(r) {
  console.log(
    `  ${r.client}: ${r.timedOut ? "TIME LIMIT: " : "all "}${r.bound}/${r.n} bound in ${L.fmt(r.allRegisteredMs / 1000, 1)} s; CPU ${L.fmt(r.cpuAll, 2)} s ` +
      `(kernel ${L.fmt(r.cpuSystemAll, 2)}; ${L.fmt(r.cpuBeforeFirst, 2)} before 1st REGISTER); ${L.fmt(r.cpuPer1k)} CPU-s/1k (${L.fmt(r.cpuPer1kFromFirst)} from 1st); ` +
      `${L.fmt(r.registersPerRegistration)} REGISTERs/reg; peak ${L.fmt(r.peakMB, 0)} MB idle ${L.fmt(r.idleMB, 0)} MB; ` +
      `registrar CPU ${L.fmt(r.registrarCpuRamp, 2)} s; drops reg ${r.registrarSocketDrops} client ${r.clientSocketDrops}` +
      (r.loopLagMaxMs !== undefined ? `; loop lag max ${L.fmt(r.loopLagMaxMs, 1)} ms` : ""),
  );
}

/** Steady state: each client on a fresh registrar (so no binding of the other lapses there), expiry 60 s. */
async function soakRun(n) {
  const rows = [];
  for (const kind of clients) {
    const dir = L.tempDir(`soak${n}`);
    const registrar = await L.startRegistrar(dir, n, {
      children: 4,
      ulTimer: 1,
      shmMB: Math.max(256, Math.ceil(n / 1000) * 12),
      maxBuf: MAXBUF,
    });
    try {
      console.log(`soak N=${n} ${kind}: registering… (load ${L.loadAvg()})`);
      const { r: rampRow, client } = await ramp(kind, dir, n, registrar, {
        expires: 60,
        limitMs: rampLimit(n, 5, 120_000),
      });
      const s0 = await registrar.stats();
      const c0 = client.cpu();
      const regCpu0 = registrar.cpu();
      const snmp0 = L.udpSnmp();
      const regDrops0 = dropsOf([registrar.port]);
      const holdMs = soakCycles * 60_000 + 5_000;
      console.log(`  registered; holding ${holdMs / 1000} s (load ${L.loadAvg()})`);
      const load = L.loadAvg();
      await L.sleep(holdMs);
      const s1 = await registrar.stats();
      const d = (k) => (s1[k] ?? 0) - (s0[k] ?? 0);
      const refreshes = d("registrar:accepted_regs");
      const r = {
        client: kind,
        n,
        load,
        holdS: holdMs / 1000,
        refreshes,
        refreshesPerRecord: refreshes / n,
        registers: d("core:rcv_requests_register"),
        transactionsPerRefresh: d("core:rcv_requests_register") / refreshes,
        cpu: client.cpu() - c0,
        lapsed: d("usrloc:location_expires"),
        registeredAtRegistrar: s1["usrloc:location_contacts"],
        registrarCpu: registrar.cpu() - regCpu0,
        rampCpuPer1k: rampRow.cpuPer1k,
        // what the process holds after the refresh cycles (V8 keeps or gives back its heap between the waves)
        endMB: kind === "uacregd" ? client.mem().rssMB : client.pssMB(),
      };
      r.cpuPer1kRefreshes = (r.cpu / refreshes) * 1000;
      r.registrarCpuPer1kRefreshes = (r.registrarCpu / refreshes) * 1000;
      const snmp1 = L.udpSnmp();
      r.udpRcvbufErrors = snmp1.RcvbufErrors - snmp0.RcvbufErrors;
      r.udpInErrors = snmp1.InErrors - snmp0.InErrors;
      r.registrarSocketDrops = dropsOf([registrar.port]) - regDrops0;
      r.clientSocketDrops = 0;
      checkDrops(`soak ${kind} N=${n}`, r);
      if (r.lapsed > 0) out.problems.push(`soak ${kind} N=${n}: ${r.lapsed} bindings lapsed at the registrar`);
      await client.stop();
      rows.push(r);
      console.log(
        `  ${kind}: ${refreshes} refreshes in ${r.holdS} s (${L.fmt(r.refreshesPerRecord, 2)}/record), ` +
          `${L.fmt(r.transactionsPerRefresh)} REGISTERs/refresh, ${L.fmt(r.cpuPer1kRefreshes)} CPU-s/1k refreshes, ` +
          `lapsed ${r.lapsed}, registrar ${L.fmt(r.registrarCpuPer1kRefreshes)} CPU-s/1k, memory at the end ${L.fmt(r.endMB, 0)} MB`,
      );
    } finally {
      await registrar.stop();
      L.removeDir(dir);
    }
  }
  out.soak.push({ n, rows });
}

/**
 * Start-up and memory at `n` records (uacregd only): time and CPU until the MI answers and until the rows are loaded,
 * MI reg_stats latency through the load and the ramp, RSS during the ramp (peak) and settled once all are registered.
 * SQLite with a Kamailio registrar; with --pg also the load from PostgreSQL (load only).
 */
async function startupRun(n) {
  const dir = L.tempDir(`startup${n}`);
  console.log(`start-up N=${n}: generating the tables… (load ${L.loadAvg()})`);
  const registrar = await L.startRegistrar(dir, n, {
    children: 4,
    shmMB: Math.max(256, Math.ceil(n / 1000) * 4),
    maxBuf: MAXBUF,
  });
  try {
    console.log(`  registering ${n} with uacregd (load ${L.loadAvg()})`);
    const { r, client } = await ramp("uacregd", dir, n, registrar, {
      expires: 3600,
      miProbe: true,
      limitMs: rampLimit(n, 2, 300_000),
    });
    r.db = "sqlite";
    r.settledMB = r.idleMB;
    r.peakToSettled = r.peakMB / r.settledMB;
    r.bytesPerRecordSettled = (r.settledMB * 1024 * 1024) / n;
    await client.stop();
    out.startup.push(r);
    console.log(
      `  sqlite: rows loaded at ${L.fmt(r.loadedMs / 1000, 2)} s (CPU ${L.fmt(r.cpuLoaded, 2)} s); all registered at ` +
        `${L.fmt(r.allRegisteredMs / 1000, 1)} s; peak ${L.fmt(r.peakMB, 0)} MB settled ${L.fmt(r.settledMB, 0)} MB; ` +
        `MI reg_stats max ${L.fmt(r.miMaxMs, 0)} ms over ${r.miCalls} calls, ${r.miFailures} failed`,
    );
  } finally {
    await registrar.stop();
  }
  if (pg) {
    const table = `bench_registrant_${process.pid}`;
    console.log(`  PostgreSQL: generating ${n} rows in ${table}…`);
    await L.makeRegistrantDb({ pgUrl, table }, n, "sip:127.0.0.1:9", 3600, "127.0.0.1:5099");
    try {
      const clientPort = await L.freePort(true);
      const client = await L.spawnDaemon(dir, {
        listen: [`udp:127.0.0.1:${clientPort}`],
        db_url: pgUrl,
        data_dir: dir,
        registrant: { hash_size: 1, timer_interval: TIMER_INTERVAL, table_name: table },
      });
      const r = { client: "uacregd", db: "postgres", n, load: L.loadAvg() };
      const lat = [];
      for (;;) {
        const t = performance.now();
        if (client.log().includes("registrant records loaded")) {
          r.loadedMs = t - client.startedMs;
          r.cpuLoaded = client.cpu();
          r.peakMB = client.mem().hwmMB;
          break;
        }
        if (client.child.exitCode !== null || t - client.startedMs > 300_000) {
          out.problems.push(`postgres start-up N=${n}: rows not loaded (${client.log().slice(-500)})`);
          break;
        }
        await L.mi(client.miPort, "reg_stats", {}, 5000)
          .then((x) => lat.push(x.ms))
          .catch(() => {});
        await L.sleep(100);
      }
      r.miCalls = lat.length;
      r.miMaxMs = Math.max(...lat);
      await client.stop();
      out.startup.push(r);
      console.log(`  postgres: rows loaded at ${L.fmt(r.loadedMs / 1000, 2)} s (CPU ${L.fmt(r.cpuLoaded, 2)} s)`);
    } finally {
      await L.dropPgTable(pgUrl, table);
    }
  }
  L.removeDir(dir);
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown

/**
 * Starts a table of one column per client (uacregd, Kamailio uac_reg, the minimal Node client) and the ratios
 * uacregd / Kamailio and uacregd / minimal Node; returns the function that adds a row (label, value of a client's
 * figures, decimals).
 */
function tableOf(lines, rows) {
  const u = rows.find((r) => r.client === "uacregd");
  const k = rows.find((r) => r.client === "kamailio");
  const f0 = rows.find((r) => r.client === "floor");
  lines.push(
    "| | uacregd | Kamailio uac_reg | minimal Node client | uacregd / Kamailio | uacregd / minimal Node |",
    "|---|---:|---:|---:|---:|---:|",
  );
  const ratioOf = (a, b) => (a !== undefined && b !== undefined ? L.fmt(L.ratio(a, b), 2) : "–");
  return (label, f, d = 3) => {
    const [a, b, c] = [u, k, f0].map((r) => (r ? f(r) : undefined));
    lines.push(`| ${label} | ${L.fmt(a, d)} | ${L.fmt(b, d)} | ${L.fmt(c, d)} | ${ratioOf(a, b)} | ${ratioOf(a, c)} |`);
  };
}

function markdown() {
  const lines = [];
  lines.push(`# Daemon benchmark: uacregd vs Kamailio uac_reg and a minimal Node client (${out.date})`, "");
  lines.push(
    `commit \`${out.commit}\`, Node ${out.node}, uacregd node flags \`${out.nodeFlags || "(none)"}\` (${out.nodeFlagsSource}), ` +
      `uacregd log level ${out.daemonLogLevel}, ` +
      `\`node test/bench/daemon-bench.mjs ${out.argv.join(" ")}\`, load average at start ${out.loadAtStart}, ` +
      `net.core.rmem_max ${out.rmemMax}`,
    "",
  );
  for (const { n, rows } of out.ramp) {
    const u = rows.find((r) => r.client === "uacregd");
    lines.push(`## First registrations, N = ${n.toLocaleString("en")}`, "");
    const row = tableOf(lines, rows);
    row("CPU-s per 1,000 registrations, whole process from start", (r) => r.cpuPer1k);
    row("CPU-s per 1,000 registrations, from the first REGISTER on", (r) => r.cpuPer1kFromFirst);
    row("CPU-s before the first REGISTER", (r) => r.cpuBeforeFirst, 2);
    row("CPU-s total until all registered", (r) => r.cpuAll, 2);
    row("of which in the kernel (system time)", (r) => r.cpuSystemAll, 2);
    row("records registered (bound at the registrar)", (r) => r.bound, 0);
    row("s from start until all registered (or the time limit)", (r) => r.allRegisteredMs / 1000, 1);
    row("s from start until the first REGISTER", (r) => r.firstRegisterMs / 1000, 2);
    row("REGISTERs per registration", (r) => r.registersPerRegistration);
    row("peak memory MB (uacregd VmHWM, Kamailio PSS sum, minimal Node PSS)", (r) => r.peakMB, 0);
    row(`idle memory MB, ${idleMs / 1000} s after all registered`, (r) => r.idleMB, 0);
    row("registrar CPU-s during the ramp", (r) => r.registrarCpuRamp, 2);
    row("load average (1/5/15 min) at the start", (r) => r.load, 0);
    row("Kamailio uac reg_random_delay s (first REGISTERs spread over)", (r) => r.uacRandomDelayS, 0);
    if (u) {
      lines.push(
        "",
        `uacregd event-loop lag from start until all registered: max ${L.fmt(u.loopLagMaxMs, 1)} ms, p99 ${L.fmt(u.loopLagP99Ms, 1)} ms; ` +
          `idle max ${L.fmt(u.idleLoopLagMaxMs, 1)} ms. Rows loaded at ${L.fmt(u.loadedMs / 1000, 2)} s (CPU ${L.fmt(u.cpuLoaded, 2)} s).`,
      );
    }
    lines.push(
      "",
      `UDP: registrar socket drops ${rows.map((r) => `${r.client} ${r.registrarSocketDrops}`).join(", ")}; client socket drops ` +
        `${rows.map((r) => `${r.client} ${r.clientSocketDrops}`).join(", ")}; machine-wide RcvbufErrors/InErrors deltas ` +
        `${rows.map((r) => `${r.client} ${r.udpRcvbufErrors}/${r.udpInErrors}`).join(", ")}.`,
      "",
    );
  }
  for (const { n, rows } of out.soak) {
    lines.push(`## Steady state, N = ${n.toLocaleString("en")}, expiry 60 s, held ${rows[0]?.holdS} s`, "");
    const row = tableOf(lines, rows);
    row("CPU-s per 1,000 refreshes", (r) => r.cpuPer1kRefreshes);
    row("REGISTERs (transactions) per refresh", (r) => r.transactionsPerRefresh);
    row("refreshes per record", (r) => r.refreshesPerRecord, 2);
    row("bindings lapsed at the registrar (usrloc expired)", (r) => r.lapsed, 0);
    row("registrar CPU-s per 1,000 refreshes", (r) => r.registrarCpuPer1kRefreshes);
    row("memory MB at the end of the hold (uacregd VmRSS, Kamailio PSS sum, minimal Node PSS)", (r) => r.endMB, 0);
    row("load average at the start of the hold", (r) => r.load, 0);
    lines.push("");
  }
  for (const r of out.startup) {
    lines.push(`## Start-up and memory, uacregd, ${r.n.toLocaleString("en")} rows from ${r.db}`, "");
    lines.push("| | value |", "|---|---:|");
    if (r.miReadyMs !== undefined) {
      lines.push(`| s from start until the MI answers | ${L.fmt(r.miReadyMs / 1000, 2)} |`);
      lines.push(`| CPU-s until the MI answers | ${L.fmt(r.cpuMiReady, 2)} |`);
    }
    lines.push(`| s from start until the rows are loaded | ${L.fmt(r.loadedMs / 1000, 2)} |`);
    lines.push(`| CPU-s until the rows are loaded | ${L.fmt(r.cpuLoaded, 2)} |`);
    if (r.db === "sqlite") {
      lines.push(`| s from start until all registered | ${L.fmt(r.allRegisteredMs / 1000, 1)} |`);
      lines.push(`| CPU-s per 1,000 registrations, whole process | ${L.fmt(r.cpuPer1k)} |`);
      lines.push(`| REGISTERs per registration | ${L.fmt(r.registersPerRegistration)} |`);
      lines.push(`| peak RSS MB (VmHWM) | ${L.fmt(r.peakMB, 0)} |`);
      lines.push(`| settled RSS MB, all registered | ${L.fmt(r.settledMB, 0)} |`);
      lines.push(`| bytes RSS per registered record | ${L.fmt(r.bytesPerRecordSettled, 0)} |`);
      lines.push(`| peak / settled | ${L.fmt(r.peakToSettled, 2)} |`);
      lines.push(`| event-loop lag max ms (start → all registered) | ${L.fmt(r.loopLagMaxMs, 0)} |`);
    } else {
      lines.push(`| peak RSS MB (VmHWM) at loaded | ${L.fmt(r.peakMB, 0)} |`);
    }
    lines.push(
      `| MI reg_stats: calls, max ms, failed (5 s timeout) | ${r.miCalls}, ${L.fmt(r.miMaxMs, 0)}, ${r.miFailures ?? 0} |`,
    );
    lines.push(`| load average at the start | ${r.load} |`, "");
  }
  if (out.problems.length) lines.push("## Problems", "", ...out.problems.map((p) => `- ${p}`), "");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------

raiseRmemMax();
console.log(
  `daemon bench: commit ${out.commit.slice(0, 10)}, clients ${clients.join("+")}, load ${out.loadAtStart}, rmem_max ${out.rmemMax}`,
);
try {
  for (const n of sizes) await rampRun(n);
  if (soak) await soakRun(soakN);
  if (startup) await startupRun(startupN);
} catch (e) {
  out.problems.push(`aborted: ${e instanceof Error ? e.message : String(e)}`);
  out.failed = true;
  console.error(e);
} finally {
  L.killAll();
}
out.loadAtEnd = L.loadAvg();
const md = markdown();
if (!flag("no-write")) {
  const stamp = out.date.replace(/[:]/g, "").replace(/\..*/, "");
  const base = join(L.HERE, "results", `${stamp}-${tag}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(out, null, 1)}\n`);
  writeFileSync(`${base}.md`, md);
  console.log(`\nwrote ${base}.json and .md`);
}
console.log(`\n${md}`);
if (out.problems.length) console.error(`PROBLEMS:\n${out.problems.join("\n")}`);
process.exit(out.failed ? 1 : 0);
