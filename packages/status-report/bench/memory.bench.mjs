// Heap per record of the uac_registrant status-report group at scale: N records (default 100,000) with realistic
// keys (fresh strings, as a database driver hands them over, held by the bench as the engine's rows hold them), each
// call given a NEW key object (as core's `config.key` makes one per call, so a store keeping those objects pays for
// them here), and a handful of distinct reasons; then a forced GC. Two shapes per depth:
//   - "4 reports": created, REGISTERING, AUTHENTICATING, REGISTERED (a first registration against a digest registrar:
//     what a daemon holds right after registering 1,000,000 records);
//   - "full": refreshes (REGISTERED -> REGISTERING -> REGISTERED) until the ring of `depth` reports is full (a record
//     after ~depth/2 refreshes).
// Prints the bytes per record and the CPU per `changed()` call.
//
//   node --expose-gc packages/status-report/bench/memory.bench.mjs [N]
//   DEPTHS=5,10,20 node --expose-gc packages/status-report/bench/memory.bench.mjs 100000
//
// Imports the BUILT package (`pnpm turbo run build --filter=@uacreg/status-report...`), or the module STORE names (an
// older build of registrant-reports.js, to compare before/after in one session).
const { RegistrantReports } = await import(process.env.STORE ?? "@uacreg/status-report");

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const N = Number(process.argv[2] ?? 100_000);
const DEPTHS = (process.env.DEPTHS ?? "20").split(",").map(Number);
const fresh = (s) => Buffer.from(s, "latin1").toString("latin1");
const ip = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const registrar = fresh("sip:registrar.example.com");
const rows = Array.from({ length: N }, (_, i) => ({
  aor: fresh(`sip:trunk${i}@carrier.example.com`),
  binding: fresh(`sip:trunk${i}@${ip(i)}:5060`),
  registrar,
}));
const keyOf = (row) => ({ aor: row.aor, contact: row.binding, registrar: row.registrar });
const REASONS = ["visit", "200 OK", "refresh due", "401 Unauthorized", "timeout"];

function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  // The rings live in typed arrays, whose bytes are counted outside the V8 heap.
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function run(depth, full) {
  const before = heap();
  let store = new RegistrantReports({ depth });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let at = 1_700_000_000;
  for (const row of rows) store.created(keyOf(row), at);
  let changes = 0;
  at += 10;
  for (let i = 0; i < N; i++) {
    const row = rows[i];
    store.changed({ key: keyOf(row), from: "NOT_REGISTERED_STATE", to: "REGISTERING_STATE", reason: "visit", at });
    store.changed({ key: keyOf(row), from: "REGISTERING_STATE", to: "AUTHENTICATING_STATE", reason: REASONS[3], at });
    store.changed({ key: keyOf(row), from: "AUTHENTICATING_STATE", to: "REGISTERED_STATE", reason: REASONS[1], at });
    changes += 3;
  }
  for (let round = 0; full && round < Math.ceil(depth / 2); round++) {
    at += 3240;
    for (let i = 0; i < N; i++) {
      const row = rows[i];
      store.changed({ key: keyOf(row), from: "REGISTERED_STATE", to: "REGISTERING_STATE", reason: REASONS[i % 3], at });
      store.changed({ key: keyOf(row), from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: REASONS[1], at });
      changes += 2;
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const after = heap();
  const reports = store.reports(store.identifiers()[0]).length;
  const heapB = after.heap - before.heap;
  const bufB = after.buffers - before.buffers;
  console.log(
    `depth ${String(depth).padStart(3)}: ${N} records, ${String(reports).padStart(2)} reports each: ` +
      `${((heapB + bufB) / N).toFixed(0)} B per record (heap ${(heapB / N).toFixed(0)} B + typed arrays ` +
      `${(bufB / N).toFixed(0)} B); ${changes} changes in ${ms.toFixed(0)} ms, ${cpuMs.toFixed(0)} ms CPU ` +
      `(${((cpuMs * 1000) / (changes + N)).toFixed(2)} µs CPU per call, creations included, GC included)`,
  );
  store = undefined;
}

for (const depth of DEPTHS) {
  run(depth, false);
  run(depth, true);
}
