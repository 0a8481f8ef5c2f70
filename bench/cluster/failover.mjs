// Failover time (issue 11 "Done when", docs/cluster.md §3.7, §4): three nodes on 127.0.0.2/.3/.4, one database of
// the run's own, N records (every other one over 4 sharing tags, the rest in 256 hash buckets), the demo registrar
// logging every REGISTER. Once every record is registered and ownership is quiet, the database statements of each
// node are counted over a steady window; then SIGKILL of the busiest node, and from the registrar's log: each of its
// records' first accepted REGISTER from a survivor after the kill. Prints one row per run and a summary.
//   node bench/cluster/failover.mjs --records 1000 --timing fast --runs 3 --engine postgres
import {
  checkOwnership,
  clusterMetrics,
  flags,
  load,
  measuredRun,
  median,
  NAMES,
  nodeLog,
  ownershipChanges,
  recordsPerNode,
  repeatRuns,
  rowStats,
  sleep,
  startNode,
  TIMING,
  waitSettled,
} from "./lib.mjs";

const opt = flags({ records: 1000, timing: "fast", runs: 3, engine: "postgres", window: 20, rate: 1000, proxy: 1 });
const { L, P } = TIMING[opt.timing];

const once = (runNo) =>
  measuredRun("failover", opt, async (ctx) => {
    const { dir, db, nodes, registrar, log, units, proxies } = ctx;
    const startedAt = Date.now();
    nodes.push(
      ...(await Promise.all(
        NAMES.map((n) => startNode(dir, n, proxies.urlOf(n), { timing: opt.timing, takeover_rate: opt.rate })),
      )),
    );
    await waitSettled(nodes, log, opt.records, 3 * P, 540_000);
    const settledS = (Date.now() - startedAt) / 1000;

    // Database load at steady state: statements per node over the window, rows touched (PostgreSQL). The window
    // starts 11 s after settling: an idle PostgreSQL backend reports its table counters up to 10 s late.
    await sleep(11_000);
    const c0 = await proxies.counts();
    const r0 = await rowStats(opt.engine, db.url, db.name);
    const w0 = Date.now();
    await sleep(opt.window * 1000);
    const c1 = await proxies.counts();
    const r1 = await rowStats(opt.engine, db.url, db.name);
    const ws = (Date.now() - w0) / 1000;
    const perNodeRate = NAMES.map((n) => (c1[n] - c0[n]) / ws);

    // SIGKILL of the busiest node.
    log.poll();
    const per = recordsPerNode(log);
    const victim = NAMES.reduce((a, b) => ((per[b] ?? 0) > (per[a] ?? 0) ? b : a));
    const survivors = NAMES.filter((n) => n !== victim);
    const victimRecords = [...log.last].filter(([, v]) => v.node === victim).map(([i]) => i);
    const loadAtKill = load();
    const c2 = await proxies.counts();
    const killAt = Date.now();
    const victimNode = nodes.find((n) => n.name === victim);
    victimNode.child.kill("SIGKILL");
    const back = new Map();
    const want = new Set(victimRecords);
    let scanned = log.entries.length;
    const limit = killAt + L + 1.2 * P + (victimRecords.length / opt.rate) * 1000 + 300_000;
    while (back.size < want.size) {
      log.poll();
      for (; scanned < log.entries.length; scanned++) {
        const e = log.entries[scanned];
        if (e.accepted && e.at >= killAt && want.has(e.i) && !back.has(e.i) && survivors.includes(e.node)) {
          back.set(e.i, e.at - killAt);
        }
      }
      if (Date.now() > limit) break;
      await sleep(200);
    }
    await sleep(3000); // late datagrams, then the final reading
    log.poll();
    const c3 = await proxies.counts();
    const backS = (Date.now() - 3000 - killAt) / 1000;
    const changes = ownershipChanges(nodes);
    const gains = changes.filter((c) => c.reason === "gained" && c.at >= killAt && survivors.includes(c.node));
    const times = [...back.values()].sort((a, b) => a - b);
    const check = checkOwnership(log, changes, units);
    const metrics = await Promise.all(nodes.filter((n) => n.name !== victim).map(clusterMetrics));
    const owned = metrics.reduce((s, m) => s + (m.uacreg_cluster_records_owned ?? 0), 0);
    const lastBack = times.at(-1) ?? Number.NaN;
    const firstGain = (gains[0]?.at ?? Number.NaN) - killAt;
    const missing = victimRecords.filter((i) => !back.has(i));
    // Anything unexpected: the run's directory (node logs, registrar log) is kept for reading.
    ctx.keep = missing.length > 0 || check.nonOwner > 0 || check.backwards > 0;
    if (ctx.keep)
      console.log(`run ${runNo}: kept ${dir} (missing u${missing.join(", u")}; non-owner ${check.nonOwner})`);
    const drops = registrar.drops();
    await registrar.stop();
    return {
      run: runNo,
      engine: opt.engine,
      timing: opt.timing,
      records: opt.records,
      victim: `${victim} (${victimRecords.length})`,
      back: `${back.size}/${victimRecords.length}`,
      "median s": median(times) / 1000,
      "max s": lastBack / 1000,
      "detect s": firstGain / 1000,
      "claims done s": ((gains.at(-1)?.at ?? Number.NaN) - killAt) / 1000,
      "takeover s": (lastBack - firstGain) / 1000,
      units: gains.length,
      "non-owner REG": check.nonOwner,
      accepted: check.nonOwnerAccepted,
      backwards: check.backwards,
      "CSeq refused (400)": log.entries.filter((e) => e.status === 400).length,
      "owned after": owned,
      fences: nodes.map((n) => nodeLog(n).fences.length).join(","),
      "stmt/s n1,n2,n3": perNodeRate.map((r) => r.toFixed(1)).join(","),
      "rows ins/upd/del/read per s":
        r0 && r1
          ? [r1.ins - r0.ins, r1.upd - r0.upd, r1.del - r0.del, r1.read - r0.read]
              .map((x) => (x / ws).toFixed(1))
              .join("/")
          : "n/a",
      "commits/s": r0 && r1 ? ((r1.commits - r0.commits) / ws).toFixed(1) : "n/a",
      "takeover stmts": survivors.map((n) => `${n}:${c3[n] - c2[n]}`).join(","),
      "takeover window s": backS.toFixed(1),
      "start→settled s": settledS,
      "REGISTERs logged/drops": `${log.entries.length}/${drops}`,
      load: loadAtKill,
    };
  });

const rows = await repeatRuns(opt.runs, once);
const col = (k) => rows.map((r) => r[k]);
console.log(
  `\n${opt.engine} ${opt.timing} ${opt.records} records, ${rows.length} runs: failover median of run medians ` +
    `${median(col("median s")).toFixed(2)} s, max of run maxima ${Math.max(...col("max s")).toFixed(2)} s; ` +
    `detection median ${median(col("detect s")).toFixed(2)} s (max ${Math.max(...col("detect s")).toFixed(2)}); ` +
    `takeover median ${median(col("takeover s")).toFixed(2)} s (max ${Math.max(...col("takeover s")).toFixed(2)}); ` +
    `non-owner REGISTERs ${col("non-owner REG").join("/")}, accepted ${col("accepted").join("/")}`,
);
