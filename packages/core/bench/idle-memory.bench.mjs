// Heap per idle (REGISTERED) record at scale: N records (default 1,000,000) built from realistic rows, each driven
// through visit → 401 → authenticated REGISTER → 200 with core's own functions (preemptive-auth cache populated, the
// reply's source pinned, as in production), inserted into a scheduler RegistrantTable, then a forced GC.
//
//   node --expose-gc packages/core/bench/idle-memory.bench.mjs [N]
//   UACREG_BENCH_DISTINCT_NONCES=1 node --expose-gc ... : every record gets its own parsed 401 (own nonce), as with a
//   real registrar (by default one 401 and one 200 are parsed once and reused, so the challenge is shared).
//   UACREG_BENCH_NO_TABLE=1 ...: the records are kept in a plain array instead (8 bytes a slot, subtracted), so the
//   figure is core's and digest's alone (record, validated row, strings, digest cache).
//
// Imports the BUILT packages (`pnpm exec turbo run build --filter=@uacreg/core... --filter=@uacreg/scheduler`).
import { createRecord, DEFAULT_CORE_PARAMS, onResponse, onVisit, parseRegistrantRow } from "@uacreg/core";
// core does not depend on the scheduler: its built dist is imported by path (no new workspace dependency).
import { RegistrantTable } from "../../scheduler/dist/index.js";
import { parseMessage } from "@uacreg/sip";
import { carrierRow, fresh, seededRandom } from "./support/carrier-rows.mjs";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const N = Number(process.argv[2] ?? 1_000_000);
const DISTINCT = process.env.UACREG_BENCH_DISTINCT_NONCES === "1";
const NO_TABLE = process.env.UACREG_BENCH_NO_TABLE === "1";

const random = seededRandom(7);
const ctx = { params: { ...DEFAULT_CORE_PARAMS, preemptiveAuth: true }, random };
const validation = { timerInterval: 100, defaultExpires: 3600, userAgent: "uacreg/0.1.0" };

// A database driver hands over a fresh flat string per column per row: do the same (no shared literals).
const row = (i) => carrierRow(i, fresh);

const head = (callId, cseq) =>
  `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=192.0.2.1\r\nFrom: <sip:a@example.com>;tag=1\r\n` +
  `To: <sip:a@example.com>;tag=2\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\n`;
const challengeText = (nonce) =>
  `SIP/2.0 401 Unauthorized\r\n${head("x", 1)}WWW-Authenticate: Digest realm="example.com", nonce="${nonce}", ` +
  `opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5, qop="auth"\r\nServer: registrar\r\nContent-Length: 0\r\n\r\n`;
const sharedChallenge = parseMessage(challengeText("6d5a1c3e8b0f4a2d9c7e1b3a5f8d2c4e61f0a9b2"));
const ok = parseMessage(
  `SIP/2.0 200 OK\r\n${head("x", 2)}Contact: <sip:shared@192.0.2.99:5060>;expires=3600\r\nExpires: 3600\r\n` +
    `Server: registrar\r\nContent-Length: 0\r\n\r\n`,
);

globalThis.gc();
globalThis.gc();
const before = process.memoryUsage();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const table = NO_TABLE ? undefined : new RegistrantTable(16);
const kept = NO_TABLE ? new Array(N).fill(undefined) : undefined;
const now = 1_764_000_000;
let registered = 0;
for (let i = 0; i < N; i++) {
  let r = createRecord(parseRegistrantRow(row(i), validation), random);
  r = onVisit(r, now, ctx).record;
  const challenge = DISTINCT
    ? parseMessage(challengeText(`${(i * 40503) >>> 0}a7f3${i}e9c1d2b4f6a8`))
    : sharedChallenge;
  // The engine passes a new destination object per reply, with the address string of the datagram's source.
  const destination = { family: "IPv4", address: fresh("192.0.2.1"), port: 5060 };
  r = onResponse(r, { response: challenge, request: r.pending, destination }, now, ctx).record;
  r = onResponse(r, { response: ok, request: r.pending, destination }, now, ctx).record;
  if (r.state === 3 && r.auth !== undefined) registered++;
  if (table !== undefined) table.insert(r.config.key, r);
  else kept[i] = r;
}
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
globalThis.gc();
globalThis.gc();
const after = process.memoryUsage();
if (registered !== N) throw new Error(`only ${registered} of ${N} records REGISTERED with a cached challenge`);

const perRecord = (after.heapUsed - before.heapUsed - (NO_TABLE ? 8 * N + 16 : 0)) / N;
console.log(
  `idle REGISTERED records: ${N} (${DISTINCT ? "a distinct nonce per record" : "one shared 401/200"}), preemptive-auth cache populated`,
);
console.log(
  `heap per record (${NO_TABLE ? "core + digest alone" : "core record + RegistrantTable"}): ${perRecord.toFixed(0)} bytes`,
);
console.log(
  `heapUsed ${(after.heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(after.rss / 2 ** 20).toFixed(0)} MiB ` +
    `(RSS per record ${((after.rss - before.rss) / N).toFixed(0)} bytes)`,
);
console.log(
  `load + 401/200 cycle: ${(ms / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s ` +
    `(${(((cpu.user + cpu.system) / 1e6 / N) * 1e6).toFixed(1)} µs per record)`,
);
// Keep the table alive until after the measurement.
if ((table?.size ?? kept.length) !== N) throw new Error("table size");
