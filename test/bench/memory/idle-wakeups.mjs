// What an IDLE daemon costs (issue 14): N records registered (expiry 3600, so no refresh in the window), then
// CPU seconds per second over the idle window, then epoll waits per second over 10 s (`strace -f -c` on the daemon: each is a wakeup of the event loop).
//
//   node test/bench/memory/idle-wakeups.mjs [--n=20000] [--idle=30] [--tag=after]
//
// The daemon as operators run it (status page and metrics on, nobody scraping or watching), the fast registrar as
// in registered-memory.mjs. Prints one line; with --tag, appends it to test/bench/results/idle-wakeups.md.
import { execFile } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as L from "../lib.mjs";
import { makeTable, startRegistrar } from "./support.mjs";

const arg = (name, dflt) => process.argv.find((x) => x.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const N = Number(arg("n", "20000"));
const IDLE_S = Number(arg("idle", "30"));
const TAG = arg("tag", undefined);

/** `strace -f -c` over `seconds`: calls per syscall name. */
function straceCounts(pid, seconds) {
  return new Promise((resolve) => {
    const p = execFile("strace", ["-f", "-c", "-p", String(pid)], { maxBuffer: 1 << 20 }, (_e, _out, err) => {
      const calls = {};
      for (const m of String(err).matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/gm)) {
        calls[m[2]] = Number(m[1]);
      }
      resolve(calls);
    });
    setTimeout(() => p.kill("SIGINT"), seconds * 1000);
  });
}

const dir = L.tempDir("idle");
const registrar = await startRegistrar();
try {
  const sipPort = await L.freePort(true);
  const webPort = await L.freePort();
  const d = await L.spawnDaemon(dir, {
    listen: [`udp:127.0.0.1:${sipPort}`],
    db_url: await makeTable(dir, N, registrar.port, sipPort),
    data_dir: dir,
    registrant: { hash_size: 1, timer_interval: 10 },
    web: { listen: `127.0.0.1:${webPort}` },
  });
  try {
    for (;;) {
      await L.sleep(1000);
      if (d.child.exitCode !== null) throw new Error(d.log().slice(-800));
      const st = await L.mi(d.miPort, "reg_stats").catch(() => undefined);
      if ((st?.result?.States?.REGISTERED_STATE ?? 0) >= N) break;
    }
    await L.sleep(5000); // the last responses and log lines out
    // CPU first, then strace (attached, it slows every syscall)
    const c0 = d.cpu();
    const t0 = performance.now();
    await L.sleep(IDLE_S * 1000);
    const cpuPerS = (d.cpu() - c0) / ((performance.now() - t0) / 1000);
    const calls = await straceCounts(d.pid, 10);
    const waits = (calls.epoll_pwait ?? 0) + (calls.epoll_wait ?? 0);
    const line =
      `| ${TAG ?? "-"} | ${N} | ${(waits / 10).toFixed(1)} | ${((calls.futex ?? 0) / 10).toFixed(1)} | ` +
      `${(cpuPerS * 1000).toFixed(2)} | ${d.mem().rssMB.toFixed(0)} | ${L.loadAvg()} | ${L.gitCommit().slice(0, 10)} |`;
    console.log(JSON.stringify(calls));
    const header =
      "| tag | N | epoll waits/s | futex/s | idle CPU ms/s | RSS MB | load | commit |\n|---|---|---|---|---|---|---|---|\n";
    console.log(header + line);
    const file = join(L.ROOT, "test/bench/results/idle-wakeups.md");
    if (TAG) appendFileSync(file, `${existsSync(file) ? "" : header}${line}\n`);
  } finally {
    await d.stop();
  }
} finally {
  await registrar.stop();
  L.killAll();
  L.removeDir(dir);
}
