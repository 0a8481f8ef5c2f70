// Memory and speed of the registrant tables: insert 1,000,000 small records, print heap bytes per record and
// inserts/s, then the cost of a full walk over every bucket. Run after a build:
//   node --expose-gc packages/scheduler/bench/scheduler.bench.mjs      (N=… to change the count)
import { BucketWalk, LinkedRegistrantTable, RegistrantTable, TableEntry } from "@uacreg/scheduler";

const N = Number(process.env.N ?? 1_000_000);
const gc = globalThis.gc ?? (() => {});
const heap = () => {
  gc();
  gc();
  // Typed arrays (the key index's hash words) live outside V8's heap: counted too.
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A record that carries its own table links (for the linked table). */
class Entry extends TableEntry {
  constructor(key) {
    super();
    this.key = key;
  }
}

const keys = new Array(N);
for (let i = 0; i < N; i++) {
  keys[i] = {
    aor: `sip:user${i}@example.com`,
    contact: `sip:user${i}@192.0.2.10:5060`,
    registrar: "sip:registrar.example.com",
  };
}
const entries = keys.map((k) => new Entry(k));
console.log(`records: ${N}  buckets: 65536 (hash_size 16)`);

// 1. LinkedRegistrantTable: per record only its share of the key index (the links are fields of the record).
{
  const before = heap();
  const table = new LinkedRegistrantTable(16, (e) => e.key);
  const t0 = process.hrtime.bigint();
  for (const e of entries) table.insert(e);
  const t1 = process.hrtime.bigint();
  const after = heap();
  console.log(
    `LinkedRegistrantTable heap bytes per record (the key index; the 2 link fields, 16 bytes, are in the record): ${((after - before) / N).toFixed(1)}`,
  );
  console.log(`  inserts/s: ${Math.round(N / (Number(t1 - t0) / 1e9)).toLocaleString("en-US")}`);
  // The walk visits every record each timer_interval: generator vs callback, each visit reading a field of the record.
  const cpu = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  let sum = 0;
  const visit = (e) => {
    sum += e.key.aor.length;
  };
  let generatorNs = 0;
  let callbackNs = 0;
  for (let round = 0; round < 2; round++) {
    // The second round counts (the first warms the JIT up).
    let c0 = cpu();
    for (let b = 0; b < table.bucketCount; b++) for (const e of table.bucket(b)) sum += e.key.aor.length;
    generatorNs = ((cpu() - c0) / N) * 1000;
    c0 = cpu();
    for (let b = 0; b < table.bucketCount; b++) table.forEachInBucket(b, visit);
    callbackNs = ((cpu() - c0) / N) * 1000;
  }
  if (sum === 0) throw new Error("nothing visited");
  console.log(
    `  walk CPU per record visited: bucket() generator ${generatorNs.toFixed(0)} ns, forEachInBucket ${callbackNs.toFixed(0)} ns`,
  );
  table.clear();
}

// 2. RegistrantTable: any value; one slot object + its share of the key index per record.
const before = heap();
const table = new RegistrantTable(16);
const t0 = process.hrtime.bigint();
for (const k of keys) table.insert(k, k);
const t1 = process.hrtime.bigint();
const after = heap();
console.log(
  `RegistrantTable heap bytes per record (the records themselves excluded): ${((after - before) / N).toFixed(1)}`,
);
console.log(`  inserts/s: ${Math.round(N / (Number(t1 - t0) / 1e9)).toLocaleString("en-US")}`);

let found = 0;
const t2 = process.hrtime.bigint();
for (let i = 0; i < N; i += 7) if (table.get(keys[i]) !== undefined) found++;
const t3 = process.hrtime.bigint();
console.log(`  lookups/s by full key: ${Math.round(found / (Number(t3 - t2) / 1e9)).toLocaleString("en-US")}`);

const walk = new BucketWalk({ hashSize: 16, timerInterval: 65_536, start: 0 });
let visited = 0;
const t4 = process.hrtime.bigint();
for (let k = 0; k < table.bucketCount; k++) {
  const b = walk.due(walk.nextDeadline());
  for (const _ of table.bucket(b)) visited++;
}
const t5 = process.hrtime.bigint();
console.log(
  `full walk of the ${table.bucketCount} buckets (${visited} records): ${(Number(t5 - t4) / 1e6).toFixed(1)} ms`,
);
