// Heap held while a whole bucket waits for the in-flight bound (issue 14: peak RSS during the ramp). N records in one
// bucket (hash_size 1 puts half of them in each), a sender that never answers (so everything past max_in_flight
// waits), one visit on a VirtualClock: prints heap bytes per record before the visit, right after it (the records
// waiting for a slot), and per waiting record.
//   node --expose-gc packages/engine/bench/queued-memory.bench.mjs   (N=… to change N, MAX=… for max_in_flight)
import { RegistrantEngine } from "@uacreg/engine";
import { VirtualClock } from "@uacreg/runtime/testing";
import { benchRow } from "./support/bench-rows.mjs";

const N = Number(process.env.N ?? 100_000);
const MAX = Number(process.env.MAX ?? 2000);
const gc = globalThis.gc ?? (() => {});
let sent = 0;
const sender = {
  send: () => {
    sent++;
    return new Promise(() => {});
  },
  hasSocket: () => true,
};
const clock = new VirtualClock({ wall: Date.UTC(2026, 0, 1) });
const engine = new RegistrantEngine({
  transport: sender,
  params: { hashSize: 1, timerInterval: 10 },
  clock,
  maxInFlight: MAX,
});
await engine.start();
for (let i = 0; i < N; i++) engine.upsert(benchRow(i, "sip:127.0.0.1:5060"));
gc();
gc();
const idle = process.memoryUsage().heapUsed;
// Both buckets visited (timer_interval 10, hash_size 1: one visit every 5 s).
await clock.advance(10_000);
gc();
gc();
const waiting = process.memoryUsage().heapUsed;
const c = engine.counters();
console.log(
  JSON.stringify({
    n: N,
    maxInFlight: MAX,
    sent,
    queued: c.queued,
    heapPerRecordIdle: Math.round(idle / N),
    heapPerRecordWaiting: Math.round(waiting / N),
    extraPerWaitingRecord: Math.round((waiting - idle) / Math.max(1, N - sent)),
  }),
);
await engine.stop({ timeoutMs: 0 });
