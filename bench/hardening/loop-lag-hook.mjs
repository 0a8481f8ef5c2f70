// Loaded into the daemon with `--import` (figures.mjs --in-daemon): measures, inside the daemon, what the `uptime`
// probe sees from outside, so that the client's own stalls (the bench process receives 320 MB per round) are not
// counted as the daemon's.
//   - event-loop lag: a 10 ms interval timer; every 200 ms one JSON line {t, lagMaxMs, gcMs, gcMaxMs, gcMajor} is
//     appended to $UACREG_BENCH_LAG_FILE (t = Date.now(); lagMaxMs = the largest lateness of a tick in that window;
//     gc* = garbage collection pauses that ended in the window, from PerformanceObserver "gc");
//   - SIGUSR2 starts a CPU profile (node:inspector), the next SIGUSR2 stops it and writes
//     $UACREG_BENCH_LAG_FILE.<n>.cpuprofile (open it in Chrome DevTools or speedscope).
// Benchmark tooling only: the daemon does not know it is there.
import { appendFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { constants, PerformanceObserver } from "node:perf_hooks";

const file = process.env.UACREG_BENCH_LAG_FILE;
if (file) {
  let lagMax = 0;
  let gcMs = 0;
  let gcMax = 0;
  let gcMajor = 0;
  let expected = performance.now() + 10;
  setInterval(() => {
    const now = performance.now();
    lagMax = Math.max(lagMax, now - expected);
    expected = now + 10;
  }, 10).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcMax = Math.max(gcMax, e.duration);
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcMajor++;
    }
  }).observe({ entryTypes: ["gc"] });
  setInterval(() => {
    const line = {
      t: Date.now(),
      lagMaxMs: Math.round(lagMax),
      gcMs: Math.round(gcMs),
      gcMaxMs: Math.round(gcMax),
      gcMajor,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    lagMax = gcMs = gcMax = gcMajor = 0;
  }, 200).unref();

  const session = new Session();
  session.connect();
  let profiling = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    if (!profiling) {
      profiling = true;
      session.post("Profiler.enable", () => session.post("Profiler.start"));
      return;
    }
    profiling = false;
    session.post("Profiler.stop", (err, { profile }) => {
      if (!err) writeFileSync(`${file}.${++n}.cpuprofile`, JSON.stringify(profile));
    });
  });
}
