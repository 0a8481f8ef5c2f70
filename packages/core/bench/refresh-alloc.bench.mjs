// Bytes core and digest allocate per refresh, without I/O (issue 14; the engine's refresh-alloc.bench.mjs measures
// the whole exchange). N records are REGISTERED (visit → 401 → REGISTER with credentials → 200), then each refreshes
// once: visit → REGISTER with preemptive credentials (nc + 1) → a Kamailio-like 200 parsed by @uacreg/sip. The refresh
// phase runs under V8's sampling heap profiler with collected objects INCLUDED (every allocation, not only what
// survived). Bytes are charged to the nearest @uacreg package frame on the stack (Node's own functions, crypto.hash or
// Buffer, count for their caller), so "core + digest" is what the two packages cause, reply parsing (sip) apart.
//
//   node --expose-gc packages/core/bench/refresh-alloc.bench.mjs          (N=… records, TOP=… rows, ALG=SHA-256)
//
// Imports the BUILT packages (`pnpm turbo run build --filter=@uacreg/core...`). Figures, not assertions.
import { Session } from "node:inspector/promises";
import { createRecord, DEFAULT_CORE_PARAMS, onResponse, onVisit, parseRegistrantRow } from "@uacreg/core";
import { parseMessage } from "@uacreg/sip";
import { carrierRow, fresh, registrarReplies, seededRandom } from "./support/carrier-rows.mjs";

const N = Number(process.env.N ?? 20_000);
const TOP = Number(process.env.TOP ?? 25);
const ALG = process.env.ALG ?? "MD5";
const gc = globalThis.gc ?? (() => {});

const random = seededRandom(11);
const ctx = { params: { ...DEFAULT_CORE_PARAMS, preemptiveAuth: true }, random };
const validation = { timerInterval: 100, defaultExpires: 3600, userAgent: "uacreg/1.0.0" };
const row = (i) => carrierRow(i, fresh);
const { challenge, ok } = registrarReplies({ algorithm: ALG, server: "kamailio (5.6.3 (x86_64/linux))" });
const destination = () => ({ family: "IPv4", address: fresh("10.0.0.1"), port: 5060 });

let now = 1_764_000_000;
const records = [];
for (let i = 0; i < N; i++) {
  let r = createRecord(parseRegistrantRow(row(i), validation), random);
  r = onVisit(r, now, ctx).record;
  r = onResponse(
    r,
    { response: parseMessage(challenge(r, i)), request: r.pending, destination: destination() },
    now,
    ctx,
  ).record;
  r = onResponse(
    r,
    { response: parseMessage(ok(r, r.cseq)), request: r.pending, destination: destination() },
    now,
    ctx,
  ).record;
  if (r.state !== 3) throw new Error(`record ${i} not REGISTERED (state ${r.state})`);
  records.push(r);
}

function refreshAll() {
  now += 3600;
  let sent = 0;
  for (let i = 0; i < N; i++) {
    const step = onVisit(records[i], now, ctx);
    const r = step.record;
    if (r.pending?.authenticated === true) sent++;
    // The reply's bytes, as the transport receives them (built here: the bench's own bytes, charged to "bench").
    const reply = parseMessage(ok(r, r.cseq));
    records[i] = onResponse(r, { response: reply, request: r.pending, destination: destination() }, now, ctx).record;
    if (records[i].state !== 3) throw new Error(`refresh of ${i} failed (state ${records[i].state})`);
  }
  if (sent !== N) throw new Error(`only ${sent} of ${N} refreshes carried credentials`);
}

refreshAll(); // warm-up: the optimizing compiler settles
gc();
gc();

const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 64,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
refreshAll();
const { profile } = await session.post("HeapProfiler.stopSampling");

const packageOf = (url) => {
  const m = /packages\/([a-z-]+)\/(dist|src)\//.exec(url);
  if (m !== null) return m[1];
  return /\/bench\//.test(url) ? "bench" : undefined;
};
const self = new Map();
const byPackage = new Map();
let total = 0;
const frameKey = (f) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
const walk = (node, owner) => {
  const own = packageOf(node.callFrame.url) ?? owner;
  const key = frameKey(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  byPackage.set(own, (byPackage.get(own) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const c of node.children) walk(c, own);
};
walk(profile.head, "other");

const per = (b) => String(Math.round(b / N)).padStart(7);
console.log(`records: ${N}, refreshes: ${N} (preemptive auth, ${ALG}, qop=auth), core + digest per refresh:`);
const ours = (byPackage.get("core") ?? 0) + (byPackage.get("digest") ?? 0);
console.log(`${per(ours)}  bytes allocated by core + digest (Node functions they call included)`);
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`${per(v)}    ${k}`);
console.log(`${per(total)}  all (the bench's reply bytes and sip's parsing included)`);
console.log("self bytes per refresh, by function:");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${per(v)}  ${k}`);
