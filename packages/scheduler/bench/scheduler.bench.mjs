// Memory and speed of the registrant table: insert 1,000,000 small records, print heap bytes per record and
// inserts/s, then the cost of a full walk over every bucket. Run after a build: node --expose-gc bench/scheduler.bench.mjs
import { BucketWalk, RegistrantTable } from "@uacreg/scheduler";

const N = Number(process.env.N ?? 1_000_000);
const gc = globalThis.gc ?? (() => {});

function makeKeys(n) {
  const keys = new Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = {
      aor: `sip:user${i}@example.com`,
      contact: `sip:user${i}@192.0.2.10:5060`,
      registrar: "sip:registrar.example.com",
      n: i,
    };
  }
  return keys;
}

const recs = makeKeys(N);
gc();
gc();
const before = process.memoryUsage().heapUsed;
const table = new RegistrantTable(16);
const t0 = process.hrtime.bigint();
for (const r of recs) table.insert(r, r);
const t1 = process.hrtime.bigint();
gc();
gc();
const after = process.memoryUsage().heapUsed;
const secs = Number(t1 - t0) / 1e9;
console.log(`records: ${N}  buckets: ${table.bucketCount}`);
console.log(`table heap bytes per record (excluding the records themselves): ${((after - before) / N).toFixed(1)}`);
console.log(`inserts/s: ${Math.round(N / secs).toLocaleString("en-US")}`);

let lookups = 0;
const t2 = process.hrtime.bigint();
for (let i = 0; i < N; i += 7) if (table.get(recs[i]) !== undefined) lookups++;
const t3 = process.hrtime.bigint();
console.log(`lookups/s: ${Math.round(lookups / (Number(t3 - t2) / 1e9)).toLocaleString("en-US")}`);

const walk = new BucketWalk({ hashSize: 16, timerInterval: 65_536, start: 0 });
let visited = 0;
const t4 = process.hrtime.bigint();
for (let k = 0; k < table.bucketCount; k++) {
  const b = walk.due(walk.nextDeadline());
  for (const _ of table.bucket(b)) visited++;
}
const t5 = process.hrtime.bigint();
console.log(`full walk of ${visited} records in ${(Number(t5 - t4) / 1e6).toFixed(1)} ms`);
