// Rebalance when a node joins (issue 11 "Done when", docs/cluster.md §3.5, §4): two nodes (n1, n2) share N records
// (every other one over 4 sharing tags, the rest in 256 hash buckets) on one database of the run's own; once every
// record is registered and ownership is quiet, n3 starts. From its join ("cluster: joined" in its log) until
// ownership and the registrar's log are quiet again: units and records moved, how long, the REGISTERs the registrar
// saw meanwhile per node, and whether any REGISTER from a node that had lost the record was accepted (must be 0).
//   node bench/cluster/rebalance.mjs --records 10000 --timing default --runs 1 --engine postgres
import {
  checkOwnership,
  flags,
  load,
  nodeLog,
  measuredRun,
  median,
  NAMES,
  ownershipChanges,
  recordsPerNode,
  repeatRuns,
  sleep,
  startNode,
  TIMING,
  waitSettled,
} from "./lib.mjs";

const opt = flags({ records: 10000, timing: "default", runs: 1, engine: "postgres", rate: 1000, proxy: 1 });
const { P } = TIMING[opt.timing];

const once = (runNo) =>
  measuredRun("rebalance", opt, async (ctx) => {
    const { dir, nodes, log, units, proxies } = ctx;
    const cluster = { timing: opt.timing, takeover_rate: opt.rate };
    nodes.push(...(await Promise.all(NAMES.slice(0, 2).map((n) => startNode(dir, n, proxies.urlOf(n), cluster)))));
    await waitSettled(nodes, log, opt.records, 3 * P, 540_000);
    const before = recordsPerNode(log);
    const c0 = await proxies.counts();
    const loadAtJoin = load();
    const startAt = Date.now();
    nodes.push(await startNode(dir, "n3", proxies.urlOf("n3"), cluster));
    const joinAt = nodeLog(nodes[2]).joins[0] ?? startAt;
    // Settled: no ownership change and no accepted REGISTER for 3 polls.
    let seen = -1;
    let since = Date.now();
    const limit = Date.now() + 540_000;
    for (;;) {
      log.poll();
      const n = ownershipChanges(nodes).length + log.entries.filter((e) => e.accepted).length;
      if (n !== seen) {
        seen = n;
        since = Date.now();
      }
      if (Date.now() - since >= 3 * P && ownershipChanges([nodes[2]]).length > 0) break;
      if (Date.now() > limit) throw new Error("not settled after the join in 540 s");
      await sleep(500);
    }
    const c1 = await proxies.counts();
    const changes = ownershipChanges(nodes);
    const moves = changes.filter((c) => c.at >= joinAt);
    const gainedByN3 = moves.filter((c) => c.node === "n3" && c.reason === "gained");
    const lostBy = (n) => moves.filter((c) => c.node === n && c.reason !== "gained");
    const during = log.entries.filter((e) => e.at >= joinAt && !e.retransmission);
    const after = recordsPerNode(log);
    const movedRecords = [...log.last.values()].filter((v) => v.node === "n3").length;
    const n3Accepted = during.filter((e) => e.node === "n3" && e.accepted).map((e) => e.at);
    const check = checkOwnership(log, changes, units);
    ctx.keep = check.nonOwner > 0 || check.backwards > 0;
    if (ctx.keep) console.log(`run ${runNo}: kept ${dir} (non-owner ${check.nonOwner}, backwards ${check.backwards})`);
    const steps = new Set(
      lostBy("n1")
        .concat(lostBy("n2"))
        .map((c) => Math.round((c.at - joinAt) / P)),
    ).size;
    return {
      run: runNo,
      engine: opt.engine,
      timing: opt.timing,
      records: opt.records,
      "before n1/n2": `${before.n1 ?? 0}/${before.n2 ?? 0}`,
      "after n1/n2/n3": `${after.n1 ?? 0}/${after.n2 ?? 0}/${after.n3 ?? 0}`,
      "units moved": gainedByN3.length,
      "handed off n1/n2": `${lostBy("n1").length}/${lostBy("n2").length}`,
      "other losses": moves.filter((c) => c.reason !== "gained" && c.reason !== "handoff").length,
      "records moved": movedRecords,
      "polls with handoffs": steps,
      "last unit s": ((moves.at(-1)?.at ?? joinAt) - joinAt) / 1000,
      "last record s": ((n3Accepted.at(-1) ?? joinAt) - joinAt) / 1000,
      "REGISTERs n1/n2/n3": ["n1", "n2", "n3"].map((n) => during.filter((e) => e.node === n).length).join("/"),
      "accepted n1/n2/n3": ["n1", "n2", "n3"]
        .map((n) => during.filter((e) => e.node === n && e.accepted).length)
        .join("/"),
      "non-owner REG": check.nonOwner,
      "non-owner accepted": check.nonOwnerAccepted,
      backwards: check.backwards,
      "CSeq refused (400)": log.entries.filter((e) => e.status === 400).length,
      "stmts n1/n2/n3": NAMES.map((n) => c1[n] - c0[n]).join("/"),
      "n3 start→join s": (joinAt - startAt) / 1000,
      load: loadAtJoin,
    };
  });

const rows = await repeatRuns(opt.runs, once);
console.log(
  `\n${opt.engine} ${opt.timing} ${opt.records} records, ${rows.length} runs: last record moved median ` +
    `${median(rows.map((r) => r["last record s"])).toFixed(1)} s after the join; non-owner accepted ` +
    rows.map((r) => r["non-owner accepted"]).join("/"),
);
