// Issue 10 item 10 / "Done when": the daemon's figures at 100,000 records, measured from outside the daemon.
// SIPp answers every REGISTER 200 (test/sipp/reg-200-loop.xml, default socket buffers); once all records are
// REGISTERED (the first pass):
//   - VmRSS / VmHWM of the daemon (/proc/<pid>/status);
//   - reg_list over MI HTTP alone: latency of 10 sequential calls (median, p99 = max of 10);
//   - ten concurrent readers (3 rounds): their latency, and meanwhile a probe `uptime` every 50 ms (its latency is
//     the daemon's event-loop lag as a client sees it: median, p99, max), RSS during and after;
//   - 30 clients that send reg_list and never read: RSS after 5 s and 20 s, and how many replies the daemon gave up.
//   node bench/hardening/figures.mjs [--records 100000] [--runs 3]
import { readFileSync } from "node:fs";
import { connect } from "node:net";
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
  options: { records: { type: "string", default: "100000" }, runs: { type: "string", default: "3" } },
});
const N = Number(o.records);
const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** Calls `uptime` every 50 ms until stop() and returns the latencies. */
function probe(port) {
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

async function run(i) {
  const dir = tempDir("figures");
  let sipp;
  let d;
  try {
    sipp = await startSipp(dir);
    const db = await makeDatabase(dir, N, `sip:127.0.0.1:${sipp.port}`);
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
      const r = await mi(d.miPort, "reg_list");
      alone.push(r.ms);
      bytes = r.bytes;
    }
    const readers = [];
    const probes = [];
    let rssDuring = 0;
    for (let round = 0; round < 3; round++) {
      const p = probe(d.miPort);
      const sampler = setInterval(() => {
        rssDuring = Math.max(rssDuring, memOf(d.pid).rssMB);
      }, 100);
      const rs = await Promise.all(Array.from({ length: 10 }, () => mi(d.miPort, "reg_list")));
      clearInterval(sampler);
      readers.push(...rs.map((r) => r.ms));
      probes.push(...(await p.stop()));
    }
    await sleep(1000);
    const afterReaders = memOf(d.pid);

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
    const afterStuck = memOf(d.pid);

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
      "RSS peak 10 readers": rssDuring,
      "RSS after readers": afterReaders.rssMB,
      "RSS 30 stuck 5s": stuck5.rssMB,
      "RSS 30 stuck 20s": stuck20.rssMB,
      "given up by daemon 5s/20s": `${closed5}/${closed20}`,
      "uptime p99 while stuck": q(stuckProbe, 0.99),
      "RSS after stuck gone": afterStuck.rssMB,
      "HWM end": afterStuck.hwmMB,
      load: loadAt,
    };
  } finally {
    await endRun(dir, d, sipp);
  }
}

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
