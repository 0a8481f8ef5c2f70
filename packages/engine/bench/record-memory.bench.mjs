// Heap per record of the engine at scale, and the cost of loading rows (issue 14: ≤ 1 KiB RSS per REGISTERED record
// for the whole daemon; 1,000,000 rows loaded in < 5 s with the MI answering throughout).
//
// N rows (fresh strings, as a database driver hands them over) are loaded from an in-memory repository, then every
// record registers (401, then 200) against the fast digest registrar in a child process over UDP on loopback, as in
// refresh-alloc.bench.mjs. Prints: µs per row of the load (and of core's row parsing alone, for comparison), the
// longest event-loop turn during the load (what an MI request could wait), heap bytes per loaded record and per
// REGISTERED record (forced GC, Timer K's completed transactions let go), and the allocation sites of what is still
// alive at the end (sampling heap profiler, live objects only), in bytes per record.
//
//   node --expose-gc packages/engine/bench/record-memory.bench.mjs          (N=100000 TOP=25 REGISTER=1)
//   N=1000000 REGISTER=0 SITES=0 node --expose-gc packages/engine/bench/record-memory.bench.mjs   (load and idle records only)
//
// Imports the BUILT packages (`pnpm turbo run build --filter=@uacreg/engine...`). Figures, not assertions.
import { fork } from "node:child_process";
import { once } from "node:events";
import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseRegistrantRow } from "@uacreg/core";
import { RegistrantEngine } from "@uacreg/engine";
import { systemClock } from "@uacreg/runtime";
import { SipTransport } from "@uacreg/transport";
import { ArrayRepository } from "./support/array-repository.mjs";
import { benchRow } from "./support/bench-rows.mjs";
import { watchTurns } from "./support/longest-turn.mjs";

const N = Number(process.env.N ?? 100_000);
const TOP = Number(process.env.TOP ?? 25);
const REGISTER = process.env.REGISTER !== "0";
if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  // Typed arrays (the table's key index hash words) live outside V8's heap: counted too.
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const child = REGISTER
  ? fork(fileURLToPath(new URL("./support/fast-registrar.mjs", import.meta.url)), { stdio: "inherit" })
  : undefined;
const port = child === undefined ? 5099 : (await once(child, "message"))[0].port;

const fresh = (s) => Buffer.from(s, "latin1").toString("latin1");
const registrar = `sip:127.0.0.1:${port}`;
const rows = Array.from({ length: N }, (_, i) => benchRow(i, registrar, fresh));

const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
// Core's parsing alone, on the same rows, for the "beyond core's parse" share of the load.
const validation = { timerInterval: 10, defaultExpires: 3600, userAgent: "uacreg/bench" };
let parseUs;
try {
  // Twice, timing the second (warm) pass: the load itself runs warm code after its first slices.
  for (let pass = 0; pass < 2; pass++) {
    const t = performance.now();
    for (const row of rows) parseRegistrantRow(row, validation);
    parseUs = ((performance.now() - t) * 1000) / N;
  }
} catch {
  parseUs = undefined; // another validation context shape: the figure is left out
}

const engine = new RegistrantEngine({
  transport,
  repository: new ArrayRepository(rows),
  params: { hashSize: 1, timerInterval: 10 },
  clock: systemClock,
  maxInFlight: Number(process.env.MAX_IN_FLIGHT ?? 256),
});
const base = heap();
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
// SITES=0: no sampling during the load (the profiler slows every allocation): the load's timing alone.
const SITES = process.env.SITES !== "0";
if (SITES) await session.post("HeapProfiler.startSampling", { samplingInterval: 256 });

// The longest turn of the event loop during the load: what an MI request arriving then could wait.
const turns = watchTurns();
let gcMs = 0;
const gcs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gcs.observe({ entryTypes: ["gc"] });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await engine.start();
gcs.disconnect();
const loadMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const longest = turns.stop();
const loaded = heap();
console.log(
  `records: ${N}; load ${loadMs.toFixed(0)} ms (${((loadMs * 1000) / N).toFixed(2)} µs per row, CPU ${(((cpu.user + cpu.system) / 1000 / N) * 1000).toFixed(2)} µs; core's parse alone ${parseUs === undefined ? "n/a" : `${parseUs.toFixed(2)} µs`}; GC ${((gcMs * 1000) / N).toFixed(2)} µs), longest event-loop turn ${longest.toFixed(1)} ms`,
);
console.log(`heap + typed arrays per loaded record (NOT_REGISTERED): ${((loaded - base) / N).toFixed(0)} B`);

if (REGISTER) {
  const end = Date.now() + 600_000;
  while (engine.stats().REGISTERED_STATE < N) {
    if (Date.now() > end) throw new Error(`registration timed out: ${JSON.stringify(engine.counters())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Timer K (5 s) lets go of the completed transactions.
  await new Promise((r) => setTimeout(r, 5500));
  const registered = heap();
  console.log(`heap + typed arrays per REGISTERED record: ${((registered - base) / N).toFixed(0)} B`);
}
const { profile } = SITES
  ? await session.post("HeapProfiler.stopSampling")
  : { profile: { head: { callFrame: { functionName: "", url: "", lineNumber: 0 }, selfSize: 0, children: [] } } };
const self = new Map();
const frameKey = (f) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
const walk = (node) => {
  const key = frameKey(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  for (const c of node.children) walk(c);
};
walk(profile.head);
console.log("live bytes per record at the end, by allocation site (sampled):");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`${(v / N).toFixed(1).padStart(8)}  ${k}`);
}
await engine.stop({ timeoutMs: 1000, unregister: false });
await transport.close();
child?.send("exit");
