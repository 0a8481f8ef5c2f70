// The status web API at 100,000 records (issue 13): /api/records latency (first page, filter, sort, a deep page),
// the heap a request allocates, SSE fan-out cost, memory. Records are views made on each call, as the engine's
// snapshot makes them; `since` and the history come from the daemon's status-report store (RegistrantReports).
// Run after a build:
//   node --expose-gc packages/web-server/bench/records-100k.bench.mjs        (N=… for another size, CLIENTS=… SSE)
import { request } from "node:http";
import { RegistrantReports } from "@uacreg/status-report";
import { WebStatusServer } from "@uacreg/web-server";

const N = Number(process.env.N ?? 100_000);
const CLIENTS = Number(process.env.CLIENTS ?? 10);
const RUNS = 9;
const STATES = [
  "NOT_REGISTERED_STATE",
  "REGISTERING_STATE",
  "AUTHENTICATING_STATE",
  "REGISTERED_STATE",
  "REGISTER_TIMEOUT_STATE",
  "INTERNAL_ERROR_STATE",
  "WRONG_CREDENTIALS_STATE",
  "REGISTRAR_ERROR_STATE",
  "UNREGISTERING_STATE",
  "AUTHENTICATING_UNREGISTER_STATE",
];
const gc = globalThis.gc ?? (() => {});
const mb = (b) => (b / 1048576).toFixed(1);

gc();
const heap0 = process.memoryUsage().heapUsed;
// One compact "live record" per record, as the engine holds them; 90 % registered, the rest spread over failures.
const live = [];
const reports = new RegistrantReports();
const perState = {};
const t0 = 1_767_225_600;
for (let i = 0; i < N; i++) {
  const state = i % 10 === 0 ? [4, 5, 6, 7, 0][(i / 10) % 5] : 3;
  const aor = `sip:user${i}@trunk${i % 997}.example.com`;
  const contact = `sip:user${i}@10.0.${(i >> 8) & 255}.${i & 255}:5060`;
  const registrar = `sip:registrar${i % 53}.example.net`;
  live.push({ aor, contact, registrar, state, enabled: i % 1000 !== 1, sent: t0 + (i % 3600) });
  perState[STATES[state]] = (perState[STATES[state]] ?? 0) + 1;
}
gc();
gc();
const heapRecords = process.memoryUsage().heapUsed;
for (const [i, r] of live.entries()) {
  const key = { aor: r.aor, contact: r.contact, registrar: r.registrar };
  reports.created(key, t0);
  const reason = r.state === 3 ? "200 OK" : "401 Unauthorized to an authenticated request";
  reports.changed({ key, from: "NOT_REGISTERED_STATE", to: STATES[r.state], reason, at: t0 + ((i * 7919) % 86_400) });
}
gc();
gc();
const heapHistory = process.memoryUsage().heapUsed;
const records = {
  snapshot: () => {
    const taken = live;
    return {
      length: taken.length,
      view: (i) => {
        const r = taken[i];
        return {
          aor: r.aor,
          contact: r.contact,
          registrar: r.registrar,
          expires: 3600,
          state: r.state,
          stateName: STATES[r.state],
          enabled: r.enabled,
          lastRegisterSent: r.sent,
          registrationTimeout: 0,
        };
      },
    };
  },
  get: () => undefined,
  // The engine keeps these counts as it goes (O(1) per call).
  stats: () => perState,
};
const history = reports;
const listeners = new Set();
const server = new WebStatusServer({
  records: () => records,
  history,
  stateChanges: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  mi: { call: async () => "OK" },
});
const { port } = await server.listen();

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (d) => {
        bytes += d.length;
      });
      res.on("end", () => resolve({ status: res.statusCode, bytes }));
    });
    req.on("error", reject);
    req.end();
  });
}

console.log(`web-server bench: ${N.toLocaleString("en")} records, node ${process.version}`);
console.log(`heap of the records themselves (the engine's part, not the server's): ${mb(heapRecords - heap0)} MB`);
// (The status-report store's own memory is measured by packages/status-report/bench.)
const queries = [
  ["first page, default sort (failing first)", "/api/records"],
  ["first page, sort=aor", "/api/records?sort=aor"],
  ["first page, sort=since desc", "/api/records?sort=since&dir=desc"],
  ["filter q=trunk42 (substring, ~1 % match)", "/api/records?q=trunk42"],
  ["filter state=WRONG_CREDENTIALS_STATE", "/api/records?state=WRONG_CREDENTIALS_STATE"],
  ["filter q=example (all match), sort=registrar", "/api/records?q=example&sort=registrar"],
  ["deep page offset=50000 limit=500, sort=aor", "/api/records?offset=50000&limit=500&sort=aor"],
  ["summary", "/api/summary"],
];
console.log("\n/api/records over HTTP (median and max of 9, ms; bytes of the answer)");
for (const [label, path] of queries) {
  await get(path); // warm
  const ms = [];
  let bytes = 0;
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now();
    const res = await get(path);
    ms.push(performance.now() - s);
    bytes = res.bytes;
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  }
  ms.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(48)} median ${ms[RUNS >> 1].toFixed(1).padStart(6)}  max ${ms[RUNS - 1].toFixed(1).padStart(6)}  ${bytes} B`,
  );
}

// Heap a request allocates (garbage left for the GC): heapUsed after minus before, no GC in between.
gc();
let before = process.memoryUsage().heapUsed;
await get("/api/records");
const transientDefault = process.memoryUsage().heapUsed - before;
gc();
before = process.memoryUsage().heapUsed;
await get("/api/records?sort=aor&q=example");
const transientAor = process.memoryUsage().heapUsed - before;
console.log(
  `\nheap allocated by one request (collected after): default ${mb(transientDefault)} MB, sort=aor&q=example ${mb(transientAor)} MB`,
);
gc();
console.log(`heap retained by the server between requests: ${mb(process.memoryUsage().heapUsed - heapHistory)} MB`);

// A change with no client connected (every refresh is two changes): kept in the ring, not serialised.
{
  const e = {
    key: { aor: live[0].aor, contact: live[0].contact, registrar: live[0].registrar },
    from: "REGISTERING_STATE",
    to: "REGISTERED_STATE",
    reason: "200 OK",
    at: t0,
  };
  const c0 = process.cpuUsage();
  for (let i = 0; i < 1_000_000; i++) for (const l of listeners) l(e);
  const c = process.cpuUsage(c0);
  console.log(
    `\nstate change with no SSE client: ${((c.user + c.system) / 1e6).toFixed(3)} µs each (1,000,000; success window + ring)`,
  );
}

// SSE fan-out: CLIENTS streams, 100,000 state changes published PER_TURN per event-loop turn (a start-up storm).
const streams = [];
await Promise.all(
  Array.from(
    { length: CLIENTS },
    () =>
      new Promise((resolve) => {
        const req = request({ host: "127.0.0.1", port, path: "/events", agent: false }, (res) => {
          const s = { bytes: 0, frames: 0, req };
          res.on("data", (d) => {
            s.bytes += d.length;
          });
          streams.push(s);
          res.once("data", () => resolve());
        });
        req.end();
      }),
  ),
);
gc();
const heapSse = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
const w0 = performance.now();
const CHANGES = 100_000;
const PER_TURN = Number(process.env.PER_TURN ?? 200);
for (let i = 0; i < CHANGES; i += PER_TURN) {
  for (let j = i; j < i + PER_TURN; j++) {
    const r = live[j % N];
    const e = {
      key: { aor: r.aor, contact: r.contact, registrar: r.registrar },
      from: "REGISTERING_STATE",
      to: "REGISTERED_STATE",
      reason: "200 OK",
      at: t0 + j,
    };
    for (const l of listeners) l(e);
  }
  await new Promise((r) => setImmediate(r));
}
const published = performance.now() - w0;
const cpu = process.cpuUsage(cpu0);
gc();
const heapAfter = process.memoryUsage().heapUsed;
// Let the clients read what is left.
const expected = streams[0].bytes;
for (let k = 0; k < 200 && streams.some((s) => s.bytes < expected); k++) await new Promise((r) => setTimeout(r, 10));
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(
  `\nSSE: ${CHANGES.toLocaleString("en")} changes (${PER_TURN} per turn) to ${CLIENTS} clients in ${published.toFixed(0)} ms ` +
    `(server and clients in one process): ${cpuS.toFixed(2)} CPU-s, ${((cpuS / CHANGES) * 1e6).toFixed(1)} µs per change ` +
    `(all clients), writes ${server.events.counters.writes}, resyncs ${server.events.counters.resyncs}, ` +
    `~${mb(streams[0].bytes)} MB per client, heap growth ${mb(heapAfter - heapSse)} MB (retained frames: 10,000)`,
);
for (const s of streams) s.req.destroy();
await server.close();
console.log(`rss ${mb(process.memoryUsage().rss)} MB`);
