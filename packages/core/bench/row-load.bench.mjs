// Row → record at load (issue 14: 1,000,000 rows in < 5 s): parseRegistrantRow + createRecord per row, on N generated
// rows shaped like a real table (one registrar for all, an outbound proxy on 1 row in 10, binding params on 1 in 20,
// a forced socket on 1 in 50, NULL expiry on 1 in 100, drivers' fresh strings per column), and the heap the records
// keep (forced GC before and after, the rows themselves dropped as they are consumed).
//
//   node --expose-gc packages/core/bench/row-load.bench.mjs [N]        (default 1,000,000)
//
// Imports the BUILT packages (`pnpm turbo run build --filter=@uacreg/core...`). Figures, not assertions.
import { randomFillSync } from "node:crypto";
import { createRecord, parseRegistrantRow } from "@uacreg/core";
import { fresh, ip } from "./support/carrier-rows.mjs";

const N = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc;
if (typeof gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const validation = {
  timerInterval: 10,
  defaultExpires: 3600,
  userAgent: "uacreg/1.0.0",
  socketExists: (spec) => spec === "udp:10.0.0.5:5060",
};
// The daemon's randomness: the engine's RandomPool (packages/engine/src/random-pool.ts), copies out of 16 KiB drawn
// from node:crypto at a time; 16 bytes per record for its Call-ID and From-tag.
const pool = Buffer.allocUnsafe(16 * 1024);
let pos = pool.length;
const random = (n) => {
  if (pos + n > pool.length) {
    randomFillSync(pool);
    pos = 0;
  }
  const out = pool.subarray(pos, pos + n);
  pos += n;
  return Uint8Array.prototype.slice.call(out);
};

// A driver hands over a fresh flat string per column per row: the same here (no shared literals).
function row(i) {
  return {
    id: i + 1,
    registrar: fresh("sip:registrar.example.com"),
    proxy: i % 10 === 0 ? fresh("sip:proxy.example.com:5060;lr") : null,
    aor: fresh(`sip:${100000 + i}@example.com`),
    third_party_registrant: null,
    username: fresh(`${100000 + i}`),
    password: fresh(`pw-${(i * 2654435761) >>> 0}`),
    binding_URI: fresh(`sip:${100000 + i}@${ip(i)}:5060`),
    binding_params: i % 20 === 0 ? fresh(";transport=udp") : null,
    expiry: i % 100 === 0 ? null : 3600,
    forced_socket: i % 50 === 0 ? fresh("udp:10.0.0.5:5060") : null,
    cluster_shtag: null,
    state: 0,
  };
}

function load(n, keep) {
  // Rows are generated in batches (as a driver's page) so that their own cost stays outside the timed part.
  const BATCH = 10_000;
  // CPU time of this process (user + system, the collector included), not wall time: the figure a loaded machine
  // inflates least.
  let cpuUs = 0;
  for (let start = 0; start < n; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) rows.push(row(i));
    const t0 = process.cpuUsage();
    for (const r of rows) keep.push(createRecord(parseRegistrantRow(r, validation), random));
    const t = process.cpuUsage(t0);
    cpuUs += t.user + t.system;
  }
  return cpuUs;
}

load(50_000, []); // warm-up: the optimizing compiler settles
gc();
gc();
const before = process.memoryUsage().heapUsed;
const records = [];
records.length = 0;
const us = load(N, records);
gc();
gc();
const after = process.memoryUsage().heapUsed;
// The `records` array itself (8 bytes a slot) is not the records' cost.
const perRecord = (after - before - 8 * N) / N;
console.log(`rows: ${N}`);
console.log(
  `parseRegistrantRow + createRecord: ${(us / N).toFixed(2)} CPU-µs per row (${(us / 1e6).toFixed(2)} CPU-s)`,
);
console.log(`heap kept per record (record + validated row + strings): ${perRecord.toFixed(0)} bytes`);
console.log(
  `load average: ${(await import("node:os"))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
if (records.length !== N) throw new Error("records");
