// Headline figures of the engine: N records registering with digest (401 then 200) against a fast UDP registrar on
// loopback (a child process, so that process.cpuUsage() below is the engine's alone, transport included).
// Prints CPU-seconds per 1,000 registrations, transactions per refresh with preemptive auth, and heap bytes per idle
// registered record. Run after a build: node --expose-gc packages/engine/bench/engine.bench.mjs  (N=… to change N)
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { RegistrantEngine } from "@uacreg/engine";
import { systemClock } from "@uacreg/runtime";
import { parseMessage } from "@uacreg/sip";
import { SipTransport } from "@uacreg/transport";
import { ArrayRepository } from "./support/array-repository.mjs";
import { benchRow } from "./support/bench-rows.mjs";

const N = Number(process.env.N ?? 10_000);
const gc = globalThis.gc ?? (() => {});
const child = fork(fileURLToPath(new URL("./support/fast-registrar.mjs", import.meta.url)), { stdio: "inherit" });
const [{ port }] = await once(child, "message");
const registrarStats = async () => {
  child.send("stats");
  const [m] = await once(child, "message");
  return m.stats;
};

const makeRows = (n) => Array.from({ length: n }, (_, i) => benchRow(i, `sip:127.0.0.1:${port}`));

const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
// The engine's clock for the benchmark: the bucket walk runs 120 times faster than real time (the 16 buckets of
// timer_interval 100 in 0.8 s instead of 100 s: one visit every 50 ms), and the wall clock can be moved forward to
// make every record due for its refresh. Timers are the system's.
const SPEED = 120;
let offset = 0;
const benchClock = {
  now: () => systemClock.now() * SPEED,
  wallNow: () => systemClock.wallNow() + offset,
  setTimer: (ms, callback) => systemClock.setTimer(ms / SPEED, callback),
};
let rows = makeRows(N);
gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
const engine = new RegistrantEngine({
  transport,
  repository: new ArrayRepository(rows),
  params: { hashSize: 4, timerInterval: 100 },
  clock: benchClock,
  maxInFlight: Number(process.env.MAX_IN_FLIGHT ?? 256),
});
rows = undefined;

const waitFor = async (cond, what) => {
  const end = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(engine.counters())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

// Phase 1: first registrations (each: REGISTER → 401 → REGISTER with credentials → 200).
const cpuLoad0 = process.cpuUsage();
await engine.start(); // loads and validates the N rows, then starts the walk (first visit one tick later)
const cpuLoad = process.cpuUsage(cpuLoad0);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await waitFor(() => engine.stats().REGISTERED_STATE === N, "the first registrations");
const t1 = process.hrtime.bigint();
const cpu1 = process.cpuUsage(cpu0);
const regCpu = (cpu1.user + cpu1.system) / 1e6;
const c1 = engine.counters();

// Phase 2: idle heap, once the transport has let go of the completed transactions (Timer K = T4 = 5 s on UDP).
await new Promise((r) => setTimeout(r, 5500));
gc();
gc();
const heapIdle = process.memoryUsage().heapUsed;

if (process.env.SNAP) {
  (await import("node:v8")).writeHeapSnapshot(process.env.SNAP);
}
// Phase 3: one refresh of every record (move the wall clock past the refresh point: E − 2T = 3400 s).
offset += 3450 * 1000;
const cpu2 = process.cpuUsage();
const t2 = process.hrtime.bigint();
await waitFor(() => engine.counters().registered >= c1.registered + N, "the refreshes");
const t3 = process.hrtime.bigint();
const cpu3 = process.cpuUsage(cpu2);
const c2 = engine.counters();
const refreshTx = (c2.registerSent - c1.registerSent) / (c2.registered - c1.registered);
const refreshCpu = (cpu3.user + cpu3.system) / 1e6;

const reg = await registrarStats();
const tc = transport.counters;
await engine.stop({ timeoutMs: 1000 });
await transport.close();
child.send("exit");

const fmt = (x, d = 3) => x.toFixed(d);
console.log(`records: ${N}  (hash_size 4, UDP loopback, registrar in a child process)`);
console.log(
  `first registrations: ${fmt(Number(t1 - t0) / 1e9, 2)} s wall, ${c1.registerSent} REGISTERs for ${c1.registered} registrations`,
);
console.log(
  `engine CPU-seconds per 1,000 rows loaded and validated: ${fmt(((cpuLoad.user + cpuLoad.system) / 1e6 / N) * 1000, 4)}`,
);
console.log(`engine CPU-seconds per 1,000 registrations (401 + 200): ${fmt((regCpu / N) * 1000, 4)}`);
console.log(`transactions per refresh (preemptive auth): ${fmt(refreshTx, 2)}`);
console.log(
  `engine CPU-seconds per 1,000 refreshes: ${fmt((refreshCpu / N) * 1000, 4)}  (${fmt(Number(t3 - t2) / 1e9, 2)} s wall)`,
);
console.log(`heap bytes per idle registered record (engine + core + table): ${fmt((heapIdle - heapBefore) / N, 0)}`);
console.log(`transport: ${JSON.stringify({ retransmissions: tc.retransmissions, timeouts: tc.timeouts })}`);
console.log(
  `registrar: ${reg.challenges} challenges, ${reg.accepted} accepted, ${reg.rejected} rejected, CPU ${fmt((reg.cpu.user + reg.cpu.system) / 1e6, 2)} s`,
);

// Part 2: the same registrations with no sockets at all: a transport object that answers in-process (401, then 200
// to any request with credentials; replies parsed from wire text like the real transport does). This is the cost of
// engine + core + digest + sip parsing alone, the floor under the figure above.
class InProcessTransport {
  hasSocket() {
    return true;
  }
  async send(req) {
    const h = req.headers;
    const auth = h.includes("\r\nAuthorization: ");
    const contact = /\r\nContact: <([^>]*)>[^\r]*;expires=(\d+)/.exec(h);
    const status = auth ? "200 OK" : "401 Unauthorized";
    const extra = auth
      ? `Contact: <${contact?.[1]}>;expires=${contact?.[2]}\r\n`
      : 'WWW-Authenticate: Digest realm="bench.test", nonce="5f2e0c1d9a8b7c6d", qop="auth", algorithm=MD5\r\n';
    const text = `SIP/2.0 ${status}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n${h.replace(/\r\n(Contact|Authorization|Max-Forwards|Content-Length|User-Agent): [^\r]*/g, "")}${extra}Content-Length: 0\r\n\r\n`;
    return {
      kind: "response",
      response: parseMessage(text),
      remote: { proto: "udp", address: "127.0.0.1", port: 5060 },
      local: "udp:127.0.0.1:5060",
    };
  }
}
{
  const engine2 = new RegistrantEngine({
    transport: new InProcessTransport(),
    repository: new ArrayRepository(makeRows(N)),
    params: { hashSize: 4, timerInterval: 100 },
    clock: benchClock,
  });
  await engine2.start();
  const c0 = process.cpuUsage();
  await (async () => {
    const end = Date.now() + 60_000;
    while (engine2.stats().REGISTERED_STATE !== N && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  })();
  const c = process.cpuUsage(c0);
  await engine2.stop({ timeoutMs: 100 });
  console.log(
    `without sockets (engine + core + digest + sip only): ${fmt(((c.user + c.system) / 1e6 / N) * 1000, 4)} CPU-s per 1,000 registrations`,
  );
}
