// Where the bytes of a refresh are allocated (issue 14: the garbage collector's share of the daemon's refresh CPU).
// N records register (401, then 200) against the fast digest registrar in a child process, over real UDP on loopback;
// then every record refreshes once (one transaction each, preemptive auth) under V8's sampling heap profiler with
// the objects the scavenger and the mark-compactor collected INCLUDED, i.e. every allocation of the phase, not only
// what survived. Prints bytes allocated per refresh, the top allocating functions (self bytes per refresh), and the
// scavenges / mark-compacts of the phase per 1,000 refreshes. Figures, not assertions.
//
//   node --expose-gc packages/engine/bench/refresh-alloc.bench.mjs        (N=… records, TOP=… rows)
import { fork } from "node:child_process";
import { once } from "node:events";
import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { RegistrantEngine } from "@uacreg/engine";
import { systemClock } from "@uacreg/runtime";
import { SipTransport } from "@uacreg/transport";
import { ArrayRepository } from "./support/array-repository.mjs";
import { benchRow } from "./support/bench-rows.mjs";

const N = Number(process.env.N ?? 10_000);
const TOP = Number(process.env.TOP ?? 30);
const gc = globalThis.gc ?? (() => {});
const child = fork(fileURLToPath(new URL("./support/fast-registrar.mjs", import.meta.url)), { stdio: "inherit" });
const [{ port }] = await once(child, "message");

const rows = Array.from({ length: N }, (_, i) => benchRow(i, `sip:127.0.0.1:${port}`));

const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
// The walk 120 times faster than real time; the wall clock moved forward to make every record due (engine.bench.mjs).
const SPEED = 120;
let offset = 0;
const clock = {
  now: () => systemClock.now() * SPEED,
  wallNow: () => systemClock.wallNow() + offset,
  setTimer: (ms, callback) => systemClock.setTimer(ms / SPEED, callback),
};
const engine = new RegistrantEngine({
  transport,
  repository: new ArrayRepository(rows),
  // hash_size 1 as the daemon benchmark runs it: every record in one bucket.
  params: { hashSize: 1, timerInterval: 100 },
  clock,
  maxInFlight: Number(process.env.MAX_IN_FLIGHT ?? 256),
});
const waitFor = async (cond, what) => {
  const end = Date.now() + 180_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(engine.counters())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
await engine.start();
await waitFor(() => engine.stats().REGISTERED_STATE === N, "the first registrations");
// Timer K (5 s) lets go of the completed transactions; then the heap holds the registered records only.
await new Promise((r) => setTimeout(r, 5500));
gc();
gc();

const gcs = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // detail.kind: 1 = scavenge (minor), 2/4 = mark-compact (major / incremental marking)
    const kind = e.detail?.kind ?? e.kind;
    if (kind === 1) {
      gcs.minor++;
      gcs.minorMs += e.duration;
    } else {
      gcs.major++;
      gcs.majorMs += e.duration;
    }
  }
});
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
obs.observe({ entryTypes: ["gc"] });
const c1 = engine.counters();
offset += 3450 * 1000; // past E − 2T = 3400 s: every record is due
await waitFor(() => engine.counters().registered >= c1.registered + N, "the refreshes");
const { profile } = await session.post("HeapProfiler.stopSampling");
obs.disconnect();
const c2 = engine.counters();
const refreshes = c2.registered - c1.registered;

// Self bytes per function (name and location), summed over the call tree.
const self = new Map();
let total = 0;
const callers = new Map();
const frameKey = (f) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
const walk = (node, parent) => {
  const key = frameKey(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  // CALLERS=name: the bytes of that function by caller (e.g. CALLERS=push for the arrays that grow).
  if (parent !== undefined && node.callFrame.functionName === process.env.CALLERS) {
    callers.set(parent, (callers.get(parent) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, key);
};
walk(profile.head);

console.log(`records: ${N}, refreshes: ${refreshes}, REGISTERs: ${c2.registerSent - c1.registerSent}`);
console.log(`bytes allocated per refresh (sampled, collected objects included): ${Math.round(total / refreshes)}`);
console.log(
  `per 1,000 refreshes: ${((gcs.minor / refreshes) * 1000).toFixed(2)} scavenges (${((gcs.minorMs / refreshes) * 1000).toFixed(1)} ms), ${((gcs.major / refreshes) * 1000).toFixed(2)} mark-compacts (${((gcs.majorMs / refreshes) * 1000).toFixed(1)} ms)`,
);
console.log("self bytes per refresh, by function:");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`${String(Math.round(v / refreshes)).padStart(7)}  ${k}`);
}
if (callers.size > 0) console.log(`${process.env.CALLERS} by caller, bytes per refresh:`);
for (const [k, v] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  console.log(`${String(Math.round(v / refreshes)).padStart(7)}  ${k}`);
}
await engine.stop({ timeoutMs: 1000 });
await transport.close();
child.send("exit");
