// CPU per registration in core (no I/O): building the REGISTER (digest included) and handling the reply, for
//  - a refresh with preemptive auth: visit → REGISTER with credentials (nc+1) → 200   (ONE transaction)
//  - a first registration: visit → REGISTER → 401 → REGISTER with credentials → 200    (two transactions)
// Each reply is parsed from its bytes with @uacreg/sip in the timed loop (as the transport does); parsing alone is
// timed separately, so "core" = total − parse. process.cpuUsage (user + system, GC included), one thread.
//
//   node packages/core/bench/registration-cpu.bench.mjs [records] [refresh rounds]
//
// Imports the BUILT packages (`pnpm exec turbo run build --filter=@uacreg/core...`).
import { createRecord, DEFAULT_CORE_PARAMS, onResponse, onVisit, parseRegistrantRow } from "@uacreg/core";
import { parseMessage } from "@uacreg/sip";
import { carrierRow, registrarReplies, seededRandom } from "./support/carrier-rows.mjs";

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);

const random = seededRandom(11);
const ctx = { params: { ...DEFAULT_CORE_PARAMS, preemptiveAuth: true }, random };
const validation = { timerInterval: 100, defaultExpires: 3600, userAgent: "uacreg/0.1.0" };
const row = (i) => carrierRow(i);
const { challenge, ok } = registrarReplies();
const destination = { family: "IPv4", address: "10.0.0.1", port: 5060 };

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function run(n, rounds) {
  let records = [];
  for (let i = 0; i < n; i++) records.push(createRecord(parseRegistrantRow(row(i), validation), random));
  let now = 1_764_000_000;

  // First registration: 401 → 200. The reply texts depend on the request, so they are prepared in a first pass of
  // visits (timed apart) and the replies are handled in the timed pass.
  let visitCpu = cpuNow();
  records = records.map((r) => onVisit(r, now, ctx).record);
  visitCpu = cpuNow() - visitCpu;
  const challenges = records.map((r, i) => challenge(r, i));
  let parseCpu = cpuNow();
  for (const text of challenges) parseMessage(text);
  parseCpu = cpuNow() - parseCpu;
  let cpu = cpuNow();
  for (let i = 0; i < n; i++) {
    const r = records[i];
    records[i] = onResponse(
      r,
      { response: parseMessage(challenges[i]), request: r.pending, destination },
      now,
      ctx,
    ).record;
  }
  cpu = cpuNow() - cpu;
  const oks = records.map((r) => ok(r, r.cseq));
  let parse2 = cpuNow();
  for (const text of oks) parseMessage(text);
  parse2 = cpuNow() - parse2;
  let cpu2 = cpuNow();
  for (let i = 0; i < n; i++) {
    const r = records[i];
    records[i] = onResponse(r, { response: parseMessage(oks[i]), request: r.pending, destination }, now, ctx).record;
  }
  cpu2 = cpuNow() - cpu2;
  for (const r of records) if (r.state !== 3) throw new Error(`not REGISTERED: ${r.state}`);
  const first = { total: visitCpu + cpu + cpu2, parse: parseCpu + parse2 };

  // Refreshes: one transaction each, credentials from the cached challenge.
  let refreshTotal = 0;
  let refreshParse = 0;
  let authenticated = 0;
  for (let k = 0; k < rounds; k++) {
    now += 3600;
    let t = cpuNow();
    records = records.map((r) => onVisit(r, now, ctx).record);
    refreshTotal += cpuNow() - t;
    for (const r of records) if (r.pending?.authenticated) authenticated++;
    const texts = records.map((r) => ok(r, r.cseq));
    t = cpuNow();
    for (const text of texts) parseMessage(text);
    refreshParse += cpuNow() - t;
    t = cpuNow();
    for (let i = 0; i < n; i++) {
      const r = records[i];
      records[i] = onResponse(
        r,
        { response: parseMessage(texts[i]), request: r.pending, destination },
        now,
        ctx,
      ).record;
    }
    refreshTotal += cpuNow() - t;
    for (const r of records) if (r.state !== 3) throw new Error(`refresh failed: ${r.state}`);
  }
  if (authenticated !== n * rounds) throw new Error(`only ${authenticated} refreshes carried credentials`);
  return { first, refresh: { total: refreshTotal, parse: refreshParse, count: n * rounds } };
}

run(Math.min(N, 5000), 2); // warm-up (JIT)
const r = run(N, ROUNDS);
const us = (s, count) => ((s / count) * 1e6).toFixed(1);
const per1000 = (s, count) => ((s / count) * 1000).toFixed(4);
const refreshCore = r.refresh.total - r.refresh.parse;
const firstCore = r.first.total - r.first.parse;
console.log(`records: ${N}, refresh rounds: ${ROUNDS} (preemptive auth, MD5, qop=auth)`);
console.log(
  `refresh (1 transaction): core ${us(refreshCore, r.refresh.count)} µs = ${per1000(refreshCore, r.refresh.count)} CPU-s per 1000; ` +
    `reply parse ${us(r.refresh.parse, r.refresh.count)} µs; together ${per1000(r.refresh.total, r.refresh.count)} CPU-s per 1000`,
);
console.log(
  `first registration (401 → 200, 2 transactions): core ${us(firstCore, N)} µs = ${per1000(firstCore, N)} CPU-s per 1000; ` +
    `reply parses ${us(r.first.parse, N)} µs; together ${per1000(r.first.total, N)} CPU-s per 1000`,
);
