// reg_list at 100,000 records over MI HTTP: latency of ten concurrent readers, the latency of a small command
// (`which`) asked meanwhile, and the event-loop lag of the server (figures, not assertions).
// Client and server share one process and event loop here (so the lag includes the readers' own work).
// Run after a build: node packages/mi/bench/reg-list.mjs [records] [readers]
import { request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { MiHttpServer, MiRegistry, MiSlicedArray } from "@uacreg/mi";

const count = Number(process.argv[2] ?? 100_000);
const readers = Number(process.argv[3] ?? 10);
const record = (i) => ({
  AOR: `sip:user${i}@registrar.example.com`,
  expires: 3600,
  state: "REGISTERED_STATE",
  enabled: "yes",
  last_register_sent: "Sun Dec  6 07:34:21 2026",
  registration_t_out: "Sun Dec  6 08:34:21 2026",
  registrar: "sip:registrar.example.com",
  binding: `sip:user${i}@192.0.2.10:5060`,
});
const registry = new MiRegistry();
registry.register({
  name: "reg_list",
  recipes: [[]],
  handler: () => ({ Records: new MiSlicedArray(count, record) }),
});
const server = new MiHttpServer({ registry, port: 0 });
const { port } = await server.listen();

function call(method) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/mi",
        agent: false,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        let bytes = 0;
        res.on("data", (c) => {
          bytes += c.length;
        });
        res.on("end", () => resolve({ ms: performance.now() - t0, bytes }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const lag = monitorEventLoopDelay({ resolution: 10 });
const rss0 = process.memoryUsage().rss;
lag.enable();
const t0 = performance.now();
const small = [];
let loading = true;
const smallLoop = (async () => {
  while (loading) small.push((await call("which")).ms);
})();
const lists = await Promise.all(Array.from({ length: readers }, () => call("reg_list")));
loading = false;
await smallLoop;
lag.disable();
const total = performance.now() - t0;
const ms = lists.map((l) => l.ms).sort((a, b) => a - b);
const sorted = small.sort((a, b) => a - b);
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))] ?? 0;
console.log(`records ${count}, readers ${readers}, reply ${(lists[0].bytes / 1e6).toFixed(1)} MB each`);
console.log(
  `reg_list latency ms: min ${ms[0].toFixed(0)} median ${q(ms, 0.5).toFixed(0)} max ${ms.at(-1).toFixed(0)}; all done in ${total.toFixed(0)} ms`,
);
console.log(
  `which meanwhile (${sorted.length} calls) ms: median ${q(sorted, 0.5).toFixed(1)} p99 ${q(sorted, 0.99).toFixed(1)} max ${(sorted.at(-1) ?? 0).toFixed(1)}`,
);
console.log(
  `event-loop lag ms: mean ${(lag.mean / 1e6).toFixed(1)} p99 ${(lag.percentile(99) / 1e6).toFixed(1)} max ${(lag.max / 1e6).toFixed(1)}`,
);
console.log(`RSS ${(rss0 / 1e6).toFixed(0)} MB before, ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB after`);
await server.close();
