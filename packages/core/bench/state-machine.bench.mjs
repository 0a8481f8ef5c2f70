// Throughput of the pure registrant state machine (no I/O): full REGISTER → 401 → authenticated REGISTER → 200
// cycles, idle visits (refresh not due), and memory per record. Imports the BUILT package.
import { createRecord, DEFAULT_CORE_PARAMS, parseRegistrantRow, step } from "@uacreg/core";
import { parseMessage } from "@uacreg/sip";

const N = 20_000;
let seed = 1;
const random = (n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
};
const params = { ...DEFAULT_CORE_PARAMS, timerInterval: 10, preemptiveAuth: false };
const ctx = { params, random };
const validation = { timerInterval: 10, defaultExpires: 3600, userAgent: "uacreg/bench" };

const reply = (text) => parseMessage(text);
const head =
  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n";
const challenge = reply(
  `SIP/2.0 401 Unauthorized\r\n${head}WWW-Authenticate: Digest realm="reg.test", nonce="abc", qop="auth"\r\nContent-Length: 0\r\n\r\n`,
);

function row(i) {
  return {
    registrar: "sip:127.0.0.1:5070",
    proxy: null,
    aor: `sip:user${i}@reg.test`,
    third_party_registrant: null,
    username: `user${i}`,
    password: "secret",
    binding_URI: `sip:user${i}@127.0.0.1:5060`,
    binding_params: null,
    expiry: 3600,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
  };
}

globalThis.gc?.();
const heap0 = process.memoryUsage().heapUsed;
let t = performance.now();
const records = [];
for (let i = 0; i < N; i++) records.push(createRecord(parseRegistrantRow(row(i), validation), random));
const loadMs = performance.now() - t;
globalThis.gc?.();
const perRecord = (process.memoryUsage().heapUsed - heap0) / N;

const oks = records.map((r) =>
  reply(`SIP/2.0 200 OK\r\n${head}Contact: <${r.config.binding}>;expires=3600\r\nContent-Length: 0\r\n\r\n`),
);
t = performance.now();
let sent = 0;
for (let i = 0; i < N; i++) {
  let r = records[i];
  let s = step(r, { type: "visit" }, 1000, ctx);
  r = s.record;
  s = step(r, { type: "response", response: challenge, request: r.pending }, 1000, ctx);
  r = s.record;
  s = step(r, { type: "response", response: oks[i], request: r.pending }, 1000, ctx);
  records[i] = s.record;
  sent += 2;
}
const cycleMs = performance.now() - t;

t = performance.now();
const VISITS = 10;
for (let k = 0; k < VISITS; k++) for (let i = 0; i < N; i++) step(records[i], { type: "visit" }, 1100, ctx);
const visitMs = performance.now() - t;

console.log(`records validated + created: ${Math.round(N / (loadMs / 1000))}/s (${N} in ${loadMs.toFixed(0)} ms)`);
console.log(`memory per record (config + runtime): ${Math.round(perRecord)} bytes`);
console.log(`401 → 200 cycles: ${Math.round(N / (cycleMs / 1000))}/s (${sent} requests built, MD5 digest included)`);
console.log(`idle visits (refresh not due): ${Math.round((N * VISITS) / (visitMs / 1000))}/s`);
