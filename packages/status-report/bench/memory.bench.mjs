// Heap per record of the uac_registrant status-report group at scale: N records (default 100,000), each created and
// then driven through enough refreshes (REGISTERED -> REGISTERING -> REGISTERED) to fill its ring of reports, with
// realistic keys (fresh strings, as a database driver hands them over) and a handful of distinct reasons; then a
// forced GC. Prints the bytes per record for depth 20 (OpenSIPS's), and for the depths given in DEPTHS.
//
//   node --expose-gc packages/status-report/bench/memory.bench.mjs [N]
//   DEPTHS=5,10,20 node --expose-gc packages/status-report/bench/memory.bench.mjs 100000
//
// Imports the BUILT package (`pnpm turbo run build --filter=@uacreg/status-report...`).
import { RegistrantReports } from "@uacreg/status-report";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const N = Number(process.argv[2] ?? 100_000);
const DEPTHS = (process.env.DEPTHS ?? "20").split(",").map(Number);
const fresh = (s) => Buffer.from(s, "latin1").toString("latin1");
const ip = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const keys = Array.from({ length: N }, (_, i) => ({
  aor: fresh(`sip:trunk${i}@carrier.example.com`),
  contact: fresh(`sip:trunk${i}@${ip(i)}:5060`),
  registrar: fresh("sip:registrar.example.com"),
}));
const REASONS = ["visit", "200 OK", "refresh due", "401 Unauthorized", "timeout"];

function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  // The rings live in typed arrays, whose bytes are counted outside the V8 heap.
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

for (const depth of DEPTHS) {
  const before = heap();
  let store = new RegistrantReports({ depth });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let at = 1_700_000_000;
  for (const key of keys) store.created(key, at);
  let changes = 0;
  for (let round = 0; round < Math.ceil(depth / 2) + 1; round++) {
    at += 60;
    for (let i = 0; i < N; i++) {
      const key = keys[i];
      store.changed({ key, from: "REGISTERED_STATE", to: "REGISTERING_STATE", reason: REASONS[i % 3], at });
      store.changed({ key, from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: REASONS[(i % 2) + 1], at });
      changes += 2;
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const after = heap();
  const full = store.reports(store.identifiers()[0]).length;
  const heapB = after.heap - before.heap;
  const bufB = after.buffers - before.buffers;
  console.log(
    `depth ${String(depth).padStart(3)}: ${N} records, ${full} reports each: ${((heapB + bufB) / N).toFixed(0)} B per record` +
      ` (heap ${(heapB / N).toFixed(0)} B + typed arrays ${(bufB / N).toFixed(0)} B);` +
      ` ${changes} changes in ${ms.toFixed(0)} ms, ${cpuMs.toFixed(0)} ms CPU` +
      ` (${((cpuMs * 1000) / changes).toFixed(2)} µs CPU each, GC included)`,
  );
  store = undefined;
}
