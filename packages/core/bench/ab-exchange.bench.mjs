// CPU per exchange in core, two builds in ONE process (issue 14): the tree's built @uacreg/core ("after") and another
// build ("before", BEFORE=<path to its dist/index.js>, e.g. an older commit's packages/core and packages/digest
// extracted with `git archive` and built with tsc), rounds alternated so both see the same machine load.
//  - refresh: visit → REGISTER with preemptive credentials → the 200 (pre-parsed once per record)
//  - first registration: visit → REGISTER → 401 (own nonce per record) → REGISTER with credentials → 200, on fresh
//    records (created and replies parsed before the timed loop)
// Reply parsing is not timed (registration-cpu.bench.mjs times it). process.cpuUsage per round, first 2 dropped.
//
//   BEFORE=/tmp/before/packages/core/dist/index.js node packages/core/bench/ab-exchange.bench.mjs [N] [rounds]
//   node packages/core/bench/ab-exchange.bench.mjs        (no BEFORE: the tree's build alone)
//
// Imports the BUILT packages (`pnpm turbo run build --filter=@uacreg/core...`). Figures, not assertions.
import * as after from "@uacreg/core";
import { parseMessage } from "@uacreg/sip";
import { carrierRow, fresh, registrarReplies, seededRandom } from "./support/carrier-rows.mjs";

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 12);
const builds = { after };
if (process.env.BEFORE !== undefined) builds.before = await import(process.env.BEFORE);
const names = Object.keys(builds).sort();

const { challenge, ok } = registrarReplies({ server: "kamailio (5.6.3 (x86_64/linux))" });
const validation = { timerInterval: 100, defaultExpires: 3600, userAgent: "uacreg/1.0.0" };
const rows = Array.from({ length: N }, (_, i) => carrierRow(i, fresh));
const destination = { family: "IPv4", address: "10.0.0.1", port: 5060 };
const T0 = 1_764_000_000;

function setup(core) {
  const random = seededRandom(11);
  const ctx = { params: { ...core.DEFAULT_CORE_PARAMS, preemptiveAuth: true }, random };
  const configs = rows.map((r) => core.parseRegistrantRow(r, validation));
  const challenges = [];
  const oks = [];
  const records = [];
  for (let i = 0; i < N; i++) {
    let r = core.onVisit(core.createRecord(configs[i], random), T0, ctx).record;
    challenges.push(challenge(r, i));
    oks.push(ok(r, 2));
    r = core.onResponse(r, { response: parseMessage(challenges[i]), request: r.pending, destination }, T0, ctx).record;
    r = core.onResponse(r, { response: parseMessage(oks[i]), request: r.pending, destination }, T0, ctx).record;
    if (r.state !== 3) throw new Error(`record ${i} not REGISTERED`);
    records.push(r);
  }
  return { core, ctx, random, configs, challenges, oks, records, parsedOk: oks.map((b) => parseMessage(b)), now: T0 };
}

const cpu = (t) => {
  const u = process.cpuUsage(t);
  return (u.user + u.system) / N;
};

function refresh(s) {
  s.now += 3600;
  const { core, ctx, records, parsedOk } = s;
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const r = core.onVisit(records[i], s.now, ctx).record;
    records[i] = core.onResponse(r, { response: parsedOk[i], request: r.pending, destination }, s.now, ctx).record;
  }
  const us = cpu(t);
  if (records[N - 1].state !== 3) throw new Error("a refresh failed");
  return us;
}

function first(s) {
  const { core, ctx, configs } = s;
  const fresh = configs.map((c) => core.createRecord(c, s.random));
  const c401 = s.challenges.map((b) => parseMessage(b));
  const c200 = s.oks.map((b) => parseMessage(b));
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    let r = core.onVisit(fresh[i], T0, ctx).record;
    r = core.onResponse(r, { response: c401[i], request: r.pending, destination }, T0, ctx).record;
    fresh[i] = core.onResponse(r, { response: c200[i], request: r.pending, destination }, T0, ctx).record;
  }
  const us = cpu(t);
  if (fresh[N - 1].state !== 3) throw new Error("a first registration failed");
  return us;
}

const state = Object.fromEntries(names.map((n) => [n, setup(builds[n])]));
for (const [label, run] of [
  ["refresh (visit + 200)", refresh],
  ["first registration (visit, 401, 200)", first],
]) {
  const res = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const n of order) res[n].push(run(state[n]));
  }
  for (const n of names) {
    const v = res[n].slice(2).sort((a, b) => a - b);
    console.log(
      `${label}, ${n}: median ${v[v.length >> 1].toFixed(2)} µs, min ${v[0].toFixed(2)} (${v.map((x) => x.toFixed(1)).join(" ")})`,
    );
  }
}
