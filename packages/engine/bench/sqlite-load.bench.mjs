// The daemon's load path alone (docs/performance-startup.md, issue 14: 1,000,000 SQLite rows in < 5 s): the SQLite
// adapter's pages (better-sqlite3, no TypeORM) into RegistrantEngine.start(), in one process, as apps/uacregd wires
// them (loadPages, count), without the daemon's module loading, MI, metrics or status reports. Prints the CPU-seconds
// and wall time until start() resolves, GC time and counts (PerformanceObserver), the longest event-loop turn (what
// an MI request could wait) and the heap after the load (after a full GC with --expose-gc). Figures, no assertions.
//
//   node --max-semi-space-size=64 packages/engine/bench/sqlite-load.bench.mjs /tmp/load-db/r1000000.db
//
// The table: a uacregd SQLite database, e.g. the one `UACREG_BENCH_DIR=/tmp/load-db node
// apps/uacregd/bench/startup.bench.mjs --rows=1000000` generates. Imports the BUILT packages of the tree given by
// UACREG_BENCH_TREE (default: this one): point it at a copy of the tree built from another commit to compare two
// versions run after run. NOCOUNT=1 hides the store's count (the table's index then grows while the rows come in).
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { watchTurns } from "./support/longest-turn.mjs";

const file = process.argv[2];
if (!file) throw new Error("usage: sqlite-load.bench.mjs FILE.db");
const tree = process.env.UACREG_BENCH_TREE ?? fileURLToPath(new URL("../../..", import.meta.url));
const built = (pkg) => import(pathToFileURL(`${tree}/packages/${pkg}/dist/index.js`).href);
const { openRepository } = await built("db");
const { sqliteAdapter } = await built("db-sqlite");
const { RegistrantEngine } = await built("engine");
const { SipTransport } = await built("transport");
const { systemClock } = await built("runtime");

const repo = await openRepository(`sqlite://${file}`, {}, [sqliteAdapter]);
const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
// What the daemon hands the engine (apps/uacregd countingRepository): loadAll, loadPages, count, findOne, updateState.
const store = {
  loadAll: () => repo.loadAll(),
  ...(repo.loadPages ? { loadPages: () => repo.loadPages() } : {}),
  ...(process.env.NOCOUNT ? {} : { count: () => repo.count() }),
  findOne: (k) => repo.findOne(k),
  updateState: (k, s) => repo.updateState(k, s),
};
const engine = new RegistrantEngine({
  transport,
  repository: store,
  params: { hashSize: 1, timerInterval: 10 },
  clock: systemClock,
  maxInFlight: 256,
});
let gcMs = 0;
let scavenges = 0;
let others = 0;
const gcs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    if (e.detail?.kind === 1) scavenges++;
    else others++;
  }
});
gcs.observe({ entryTypes: ["gc"] });
const turns = watchTurns();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const report = await engine.start();
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
const longest = turns.stop();
await new Promise((resolve) => setTimeout(resolve, 50));
gcs.disconnect();
// With --expose-gc the heap is read after a full collection: what the records hold, not the garbage the load left.
globalThis.gc?.();
const m = process.memoryUsage();
console.log(
  `loaded ${report.loaded}: CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, wall ${(wall / 1000).toFixed(2)} s, ` +
    `GC ${(gcMs / 1000).toFixed(2)} s (${scavenges} scavenges, ${others} other), longest turn ${longest.toFixed(0)} ms, ` +
    `heap ${(m.heapUsed / 1e6).toFixed(0)} MB${globalThis.gc ? " (after a full GC)" : ""}, rss ${(m.rss / 1e6).toFixed(0)} MB`,
);
process.exit(0);
