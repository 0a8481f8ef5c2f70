// Issue 10 item 10 / "Done when": the daemon's figures at 100,000 records, measured from outside the daemon.
// SIPp answers every REGISTER 200 (test/sipp/reg-200-loop.xml, default socket buffers); once all records are
// REGISTERED (the first pass):
//   - VmRSS / VmHWM of the daemon (/proc/<pid>/status);
//   - reg_list over MI HTTP alone: latency of 10 sequential calls (median, p99 = max of 10);
//   - ten concurrent readers (3 rounds): their latency, and meanwhile a probe `uptime` every 50 ms from a process of
//     its own (its latency is the daemon's event-loop lag as a client sees it: median, p99, max), RSS during and after;
//   - 30 clients that send reg_list and never read: RSS after 5 s and 20 s, and how many replies the daemon gave up.
//   node bench/hardening/figures.mjs [--records 100000] [--runs 3] [--in-daemon] [--profile] [--no-stuck]
//     --in-daemon  load loop-lag-hook.mjs into the daemon: its own event-loop lag and GC pauses during the ten
//                  readers (the `uptime` probe also sees the time its requests spend on the loaded machine);
//     --profile    with --in-daemon: a CPU profile of the daemon during the first round of ten readers, copied to
//                  the temporary directory (the path is printed);
//     --lag-trace  with --in-daemon: print every 200 ms window of the readers where the daemon's loop lagged > 50 ms;
//     --no-stuck   skip the thirty clients that never read.
// The reg_list readers count the bytes they receive and keep only the last ones (to check the reply ended): they
// do not gather 32 MB each, which would make the bench process, not the daemon, stall the probe.
import { fork } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  endRun,
  load,
  makeDatabase,
  median,
  memOf,
  mi,
  q,
  repeat,
  sleep,
  startDaemon,
  startSipp,
  tempDir,
} from "./lib.mjs";

const { values: o } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    "in-daemon": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "no-stuck": { type: "boolean", default: false },
    "lag-trace": { type: "boolean", default: false },
    "probe-port": { type: "string" },
  },
});
const HOOK = join(dirname(fileURLToPath(import.meta.url)), "loop-lag-hook.mjs");
const N = Number(o.records);
const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** Calls `uptime` every 50 ms until stop() and returns the latencies. */
function probeHere(port) {
  const ms = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const started = performance.now();
      ms.push((await mi(port, "uptime")).ms);
      const wait = 50 - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    async stop() {
      on = false;
      await done;
      return ms;
    },
  };
}

// `--probe-port P`: this file as the probe's own process (see probe()); the parent's message "stop" ends it.
if (o["probe-port"]) {
  const p = probeHere(Number(o["probe-port"]));
  process.once("message", async () => {
    process.send(await p.stop(), () => process.exit(0));
  });
}

/**
 * {@link probeHere} in a process of its own, so that the readers' work in this process (ten replies of 32 MB
 * arriving) does not delay the probe's calls and count as the daemon's lag.
 */
function probe(port) {
  const child = fork(fileURLToPath(import.meta.url), ["--probe-port", String(port)], { stdio: "inherit" });
  const result = new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`probe exited ${code}`)));
  });
  return {
    async stop() {
      child.send("stop");
      return result;
    },
  };
}

/** reg_list over MI HTTP, counting the reply's bytes as they arrive; rejects unless the reply ends with `}`. */
async function regList(port) {
  const t0 = performance.now();
  const reply = await fetch(`http://127.0.0.1:${port}/mi`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "reg_list" }),
  });
  let bytes = 0;
  let last = 0;
  for await (const chunk of reply.body) {
    bytes += chunk.length;
    last = chunk[chunk.length - 1];
  }
  if (last !== 0x7d) throw new Error(`reg_list reply cut after ${bytes} bytes`);
  return { ms: performance.now() - t0, bytes };
}

/** The hook's lines (loop-lag-hook.mjs) stamped within [from, to]. */
function lagLines(file, from, to) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.t >= from && l.t <= to + 200);
}

/** A client that sends reg_list and never reads the reply (a paused socket never sees the daemon close it). */
function stuckReader(port) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "reg_list" });
  const s = connect({ host: "127.0.0.1", port });
  const state = { socket: s };
  s.on("connect", () => {
    s.write(
      `POST /mi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    s.pause();
  });
  s.on("error", () => {});
  return state;
}

/** Thirty clients that send reg_list and never read: RSS, replies the daemon gave up, `uptime` meanwhile. */
async function stuckClients(d) {
  // The daemon logs each reply it gives up ("MI HTTP reply not read, connection closed"); count those lines.
  const givenUp = () => readFileSync(d.logFile, "utf8").split("MI HTTP reply not read").length - 1;
  const givenUp0 = givenUp();
  const stuck = Array.from({ length: 30 }, () => stuckReader(d.miPort));
  const p = probe(d.miPort);
  await sleep(5000);
  const stuck5 = memOf(d.pid);
  const closed5 = givenUp() - givenUp0;
  await sleep(15_000);
  const stuck20 = memOf(d.pid);
  const closed20 = givenUp() - givenUp0;
  const stuckProbe = sorted(await p.stop());
  for (const s of stuck) s.socket.destroy();
  await sleep(3000);
  return {
    "RSS 30 stuck 5s": stuck5.rssMB,
    "RSS 30 stuck 20s": stuck20.rssMB,
    "given up by daemon 5s/20s": `${closed5}/${closed20}`,
    "uptime p99 while stuck": q(stuckProbe, 0.99),
    "RSS after stuck gone": memOf(d.pid).rssMB,
  };
}

async function run(i) {
  const dir = tempDir("figures");
  let sipp;
  let d;
  try {
    sipp = await startSipp(dir);
    const db = await makeDatabase(dir, N, `sip:127.0.0.1:${sipp.port}`);
    const lagFile = join(dir, "lag.jsonl");
    if (o["in-daemon"]) {
      process.env.NODE_OPTIONS = `--import ${HOOK}`;
      process.env.UACREG_BENCH_LAG_FILE = lagFile;
    }
    d = await startDaemon(dir, db, { registrant: { hash_size: 1, timer_interval: 10 } });
    const t0 = performance.now();
    for (;;) {
      const { result } = await mi(d.miPort, "reg_stats");
      if (result.States.REGISTERED_STATE === N) break;
      if (performance.now() - t0 > 400_000)
        throw new Error(`not all REGISTERED in 400 s: ${JSON.stringify(result.States)}`);
      await sleep(500);
    }
    const firstPassS = (performance.now() - t0) / 1000;
    const loadAt = load();
    await sleep(2000);
    const afterPass = memOf(d.pid);

    const alone = [];
    let bytes = 0;
    for (let k = 0; k < 10; k++) {
      const r = await regList(d.miPort);
      alone.push(r.ms);
      bytes = r.bytes;
    }
    const readers = [];
    const probes = [];
    let rssDuring = 0;
    const readersFrom = Date.now();
    for (let round = 0; round < 3; round++) {
      const p = probe(d.miPort);
      const sampler = setInterval(() => {
        rssDuring = Math.max(rssDuring, memOf(d.pid).rssMB);
      }, 100);
      const profiling = o.profile && o["in-daemon"] && round === 0;
      if (profiling) process.kill(d.pid, "SIGUSR2");
      const rs = await Promise.all(Array.from({ length: 10 }, () => regList(d.miPort)));
      if (profiling) {
        process.kill(d.pid, "SIGUSR2");
        await sleep(2000);
        const kept = join(tmpdir(), `uacreg-figures-${process.pid}-${i}.cpuprofile`);
        copyFileSync(`${lagFile}.1.cpuprofile`, kept);
        console.error(`CPU profile of the daemon, first round of ten readers: ${kept}`);
      }
      clearInterval(sampler);
      readers.push(...rs.map((r) => r.ms));
      probes.push(...(await p.stop()));
    }
    const inDaemon = lagLines(lagFile, readersFrom, Date.now());
    if (o["lag-trace"]) {
      for (const l of inDaemon)
        if (l.lagMaxMs > 50) console.error(`lag +${l.t - readersFrom} ms: ${JSON.stringify(l)}`);
    }
    await sleep(1000);
    const afterReaders = memOf(d.pid);
    const lag = sorted(inDaemon.map((l) => l.lagMaxMs));
    const gcPauses = inDaemon.reduce((a, l) => a + l.gcMs, 0);
    const daemonSide = o["in-daemon"]
      ? {
          "daemon lag p99 ms (200 ms windows)": q(lag, 0.99),
          "daemon lag max ms": lag.at(-1),
          "daemon GC ms total": gcPauses,
          "daemon GC max pause ms": Math.max(0, ...inDaemon.map((l) => l.gcMaxMs)),
          "daemon major GCs": inDaemon.reduce((a, l) => a + l.gcMajor, 0),
        }
      : {};
    const stuckSide = o["no-stuck"] ? {} : await stuckClients(d);

    const a = sorted(alone);
    const r = sorted(readers);
    const pr = sorted(probes);
    return {
      run: i,
      "pass s": firstPassS,
      "reply MB": bytes / 1e6,
      "RSS MB": afterPass.rssMB,
      "HWM MB": afterPass.hwmMB,
      "alone med ms": q(a, 0.5),
      "alone p99 ms": q(a, 0.99),
      "10 readers med ms": q(r, 0.5),
      "10 readers p99 ms": q(r, 0.99),
      "uptime med ms": q(pr, 0.5),
      "uptime p99 ms": q(pr, 0.99),
      "uptime max ms": pr.at(-1),
      ...daemonSide,
      "RSS peak 10 readers": rssDuring,
      "RSS after readers": afterReaders.rssMB,
      ...stuckSide,
      "HWM end": memOf(d.pid).hwmMB,
      load: `${loadAt} / ${load()}`,
    };
  } finally {
    await endRun(dir, d, sipp);
  }
}

if (o["probe-port"]) await new Promise(() => {});
const rows = await repeat(Number(o.runs), run, (row) => console.log(JSON.stringify(row)));
console.log(
  `\n${N} records, median of ${rows.length} runs (load average at the first-pass end: ${rows.map((r) => r.load.split(" ")[0]).join(", ")}):`,
);
const med = {};
for (const k of Object.keys(rows[0])) {
  if (k === "run" || k === "load") continue;
  med[k] = typeof rows[0][k] === "number" ? median(rows.map((r) => r[k])) : rows.map((r) => r[k]).join(", ");
}
for (const [k, v] of Object.entries(med)) console.log(`${k.padEnd(26)} ${typeof v === "number" ? v.toFixed(1) : v}`);
