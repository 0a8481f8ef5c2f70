// Memory of the BUILT daemon at N registered records (issue 14: <= 1 KiB RSS per record at 1,000,000 registered,
// peak RSS during the ramp <= 1.5x the settled figure, MI answering within 1 s throughout the load and the ramp).
//
//   node test/bench/memory/registered-memory.mjs --n=100000,1000000 [--tag=after] [--settle=30] [--snapshot]
//
// The daemon runs as operators run it (`node apps/uacregd/dist/main.js --config <generated>`: SQLite table of N
// accounts, hash_size 1, timer_interval 10, expiry 3600, status page and metrics on) against the engine benchmark's
// child-process digest registrar (packages/engine/bench/support/fast-registrar.mjs: MD5 qop=auth, 401 then 200),
// which registers 1,000,000 in a few minutes here, where Kamailio needs far longer on 2 shared cores.
// Every 500 ms: VmRSS and VmHWM; every 0.5 s one MI call over HTTP (reg_stats and uptime in turn) whose answer time
// is recorded for the load (until "registrant records loaded") and the ramp (until all N are REGISTERED).
// --snapshot: at all-registered + settle, the daemon writes a heap snapshot (node --heapsnapshot-signal=SIGUSR2),
// summarised by heap-summary.mjs. Writes JSON and Markdown to test/bench/results/<time>-memory-<tag>.{json,md}.
// Figures, not assertions.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as L from "../lib.mjs";
import { makeTable, startRegistrar } from "./support.mjs";

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`) || x === `--${name}`);
  if (a === undefined) return dflt;
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : true;
};
const NS = String(arg("n", "100000"))
  .split(",")
  .map((x) => Number(x.replace(/_/g, "")));
const TAG = String(arg("tag", "run"));
const SETTLE_MS = Number(arg("settle", "30")) * 1000;
const SNAPSHOT = arg("snapshot", false) === true;

async function run(n) {
  const dir = L.tempDir(`memory${n}`);
  console.log(`N=${n}: generating the table… (load ${L.loadAvg()})`);
  const registrar = await startRegistrar();
  const sipPort = await L.freePort(true);
  const webPort = await L.freePort();
  const dbUrl = await makeTable(dir, n, registrar.port, sipPort);
  if (SNAPSHOT) {
    const flags = process.env.UACREG_BENCH_NODE_FLAGS ?? "";
    process.env.UACREG_BENCH_NODE_FLAGS = `${flags} --heapsnapshot-signal=SIGUSR2`;
  }
  const d = await L.spawnDaemon(dir, {
    listen: [`udp:127.0.0.1:${sipPort}`],
    db_url: dbUrl,
    data_dir: dir,
    registrant: { hash_size: 1, timer_interval: 10 },
    web: { listen: `127.0.0.1:${webPort}` },
  });
  const r = { n, tag: TAG, load0: L.loadAvg(), registrar: "fast-registrar.mjs", samples: [] };
  const mi = { load: [], ramp: [], settle: [], failures: 0 };
  /** @type {"load" | "ramp" | "settle"} */
  let phase = "load";
  let stopMi = false;
  let turn = 0;
  const miLoop = (async () => {
    let answered = false;
    while (!stopMi) {
      const method = turn++ % 2 === 0 ? "reg_stats" : "uptime";
      const t = performance.now();
      await L.mi(d.miPort, method, {}, 5000)
        .then((x) => {
          answered = true;
          mi[phase].push({ method, ms: x.ms, at: +((t - d.startedMs) / 1000).toFixed(1) });
          if (method === "reg_stats") r.lastStates = x.result?.States ?? x.result?.states;
        })
        .catch(() => {
          if (answered && d.child.exitCode === null) mi.failures++;
        });
      await L.sleep(Math.max(0, 500 - (performance.now() - t)));
    }
  })();
  const t0 = d.startedMs;
  let peakRss = 0;
  try {
    for (;;) {
      await L.sleep(500);
      if (d.child.exitCode !== null) throw new Error(`daemon exited: ${d.log().slice(-800)}`);
      const t = performance.now() - t0;
      const m = d.mem();
      peakRss = Math.max(peakRss, m.rssMB);
      const registered = r.lastStates?.REGISTERED_STATE ?? 0;
      r.samples.push({ s: +(t / 1000).toFixed(1), rssMB: +m.rssMB.toFixed(1), hwmMB: +m.hwmMB.toFixed(1), registered });
      if (phase === "load" && d.log().includes("registrant records loaded")) {
        r.loadedS = t / 1000;
        r.rssLoadedMB = m.rssMB;
        phase = "ramp";
        console.log(`  rows loaded at ${(t / 1000).toFixed(1)} s, RSS ${m.rssMB.toFixed(0)} MB`);
      }
      if (r.samples.length % 20 === 0) {
        console.log(
          `  ${(t / 1000).toFixed(0)} s: ${registered} registered, RSS ${m.rssMB.toFixed(0)} MB, HWM ${m.hwmMB.toFixed(0)} MB`,
        );
      }
      if (phase === "ramp" && registered >= n) {
        r.allRegisteredS = t / 1000;
        r.rssAllRegisteredMB = m.rssMB;
        r.hwmAtAllRegisteredMB = m.hwmMB;
        phase = "settle";
        console.log(`  all ${n} registered at ${(t / 1000).toFixed(1)} s, RSS ${m.rssMB.toFixed(0)} MB`);
        break;
      }
      if (t > 1_800_000) throw new Error(`not all registered after 30 min: ${JSON.stringify(r.lastStates)}`);
    }
    const tSettle = performance.now();
    while (performance.now() - tSettle < SETTLE_MS) {
      await L.sleep(500);
      const m = d.mem();
      peakRss = Math.max(peakRss, m.rssMB);
      r.samples.push({
        s: +((performance.now() - t0) / 1000).toFixed(1),
        rssMB: +m.rssMB.toFixed(1),
        hwmMB: +m.hwmMB.toFixed(1),
      });
    }
    const m = d.mem();
    r.settledRssMB = m.rssMB;
    r.hwmMB = m.hwmMB;
    r.peakSampledRssMB = peakRss;
    r.peakToSettled = m.hwmMB / m.rssMB;
    r.bytesPerRecord = (m.rssMB * 1024 * 1024) / n;
    r.cpuS = d.cpu();
    // where the RSS is: V8's heap (committed and used, per space), external memory (Buffers, ArrayBuffers)
    const pm = await d.metrics().catch(() => ({}));
    const MB = (k) => (pm[k] ?? Number.NaN) / 1048576;
    r.heap = {
      totalMB: MB("uacreg_nodejs_heap_size_total_bytes"),
      usedMB: MB("uacreg_nodejs_heap_size_used_bytes"),
      externalMB: MB("uacreg_nodejs_external_memory_bytes"),
      spaces: Object.fromEntries(
        Object.entries(pm)
          .filter(([k]) => k.startsWith("uacreg_nodejs_heap_space_size_"))
          .map(([k, v]) => [k.replace("uacreg_nodejs_heap_space_size_", ""), +(v / 1048576).toFixed(1)]),
      ),
    };
    r.heap.rssOutsideHeapMB = r.settledRssMB - r.heap.totalMB;
    const reg = await registrar.stats();
    r.registrarStats = { challenges: reg.challenges, accepted: reg.accepted, rejected: reg.rejected };
    if (SNAPSHOT) {
      // the snapshot stops the event loop for seconds: the MI probe ends first
      stopMi = true;
      await miLoop;
      const before = new Set(readdirSync(dir));
      d.child.kill("SIGUSR2");
      for (let i = 0; i < 600; i++) {
        await L.sleep(1000);
        const made = readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot") && !before.has(f));
        // written when the daemon answers again
        if (
          made.length > 0 &&
          (await L.mi(d.miPort, "uptime", {}, 60_000).then(
            () => true,
            () => false,
          ))
        ) {
          r.heapSnapshot = join(dir, made[0]);
          break;
        }
      }
      console.log(`  heap snapshot: ${r.heapSnapshot}`);
    }
  } finally {
    stopMi = true;
    await miLoop;
    await d.stop();
    await registrar.stop();
    if (!SNAPSHOT) L.removeDir(dir);
  }
  const worst = (xs, method) => Math.max(0, ...xs.filter((x) => x.method === method).map((x) => x.ms));
  r.mi = {
    loadCalls: mi.load.length,
    rampCalls: mi.ramp.length,
    loadMaxRegStatsMs: worst(mi.load, "reg_stats"),
    loadMaxUptimeMs: worst(mi.load, "uptime"),
    rampMaxRegStatsMs: worst(mi.ramp, "reg_stats"),
    rampMaxUptimeMs: worst(mi.ramp, "uptime"),
    settleMaxMs: Math.max(0, ...mi.settle.map((x) => x.ms)),
    // the answers slower than 500 ms: when (s since the daemon started) and how slow, to set beside a --trace-gc log
    slow: [...mi.load, ...mi.ramp, ...mi.settle].filter((x) => x.ms > 500),
    failures: mi.failures,
  };
  r.load1 = L.loadAvg();
  console.log(
    `  settled ${r.settledRssMB.toFixed(0)} MB (${r.bytesPerRecord.toFixed(0)} B/record), peak (VmHWM) ${r.hwmMB.toFixed(0)} MB ` +
      `= ${r.peakToSettled.toFixed(2)}x; heap ${r.heap.usedMB.toFixed(0)} used of ${r.heap.totalMB.toFixed(0)} MB, ` +
      `external ${r.heap.externalMB.toFixed(0)} MB, RSS outside the heap ${r.heap.rssOutsideHeapMB.toFixed(0)} MB; MI max load ${r.mi.loadMaxRegStatsMs.toFixed(0)}/${r.mi.loadMaxUptimeMs.toFixed(0)} ms, ` +
      `ramp ${r.mi.rampMaxRegStatsMs.toFixed(0)}/${r.mi.rampMaxUptimeMs.toFixed(0)} ms (reg_stats/uptime), ${r.mi.failures} failed`,
  );
  return r;
}

const runs = [];
try {
  for (const n of NS) runs.push(await run(n));
} finally {
  L.killAll();
}
const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, "")
  .slice(0, 15)
  .replace(/^(\d{4})(\d{2})(\d{2})/, "$1-$2-$3");
const base = join(L.ROOT, "test/bench/results", `${stamp}-memory-${TAG}`);
writeFileSync(`${base}.json`, JSON.stringify({ commit: L.gitCommit(), tag: TAG, runs }, null, 1));
const f = L.fmt;
const md = [
  `# Memory at N registered (${TAG}), commit ${L.gitCommit().slice(0, 10)}`,
  "",
  "`node test/bench/memory/registered-memory.mjs` against fast-registrar.mjs; SQLite, hash_size 1, timer_interval 10, expiry 3600.",
  "",
  `| N | rows loaded s | all registered s | RSS all registered MB | settled RSS MB (+${SETTLE_MS / 1000} s) | B/record | peak VmHWM MB | peak/settled | heap used/total MB | MI max ms load (reg_stats/uptime) | MI max ms ramp | MI failed | load avg |`,
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...runs.map(
    (r) =>
      `| ${r.n} | ${f(r.loadedS, 1)} | ${f(r.allRegisteredS, 1)} | ${f(r.rssAllRegisteredMB, 0)} | ${f(r.settledRssMB, 0)} | ${f(r.bytesPerRecord, 0)} | ${f(r.hwmMB, 0)} | ${f(r.peakToSettled, 2)} | ${f(r.heap.usedMB, 0)}/${f(r.heap.totalMB, 0)} | ${f(r.mi.loadMaxRegStatsMs, 0)}/${f(r.mi.loadMaxUptimeMs, 0)} | ${f(r.mi.rampMaxRegStatsMs, 0)}/${f(r.mi.rampMaxUptimeMs, 0)} | ${r.mi.failures} | ${r.load1} |`,
  ),
  "",
];
writeFileSync(`${base}.md`, md.join("\n"));
console.log(`wrote ${base}.{json,md}`);
