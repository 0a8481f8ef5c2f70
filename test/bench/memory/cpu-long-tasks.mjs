// Long stretches of busy samples in a .cpuprofile (node --cpu-prof, e.g. UACREG_BENCH_NODE_FLAGS="--cpu-prof
// --cpu-prof-dir=/tmp/prof --cpu-prof-interval=2000" for registered-memory.mjs): when (s from the profile start), how
// long, and the outermost and innermost frames of ours (packages/, apps/) they were in, to set beside slow MI answers.
//
//   node test/bench/memory/cpu-long-tasks.mjs <file.cpuprofile> [min ms, default 400]
//
// On a loaded machine a sample taken after the process was descheduled carries the whole gap: a stretch there can be
// waiting for a CPU, not work. Read it on a quiet machine.
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const MIN_MS = Number(process.argv[3] ?? 400);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const idle = new Set(
  p.nodes.filter((n) => ["(idle)", "(program)"].includes(n.callFrame.functionName)).map((n) => n.id),
);
const ours = (n) => /\/(packages|apps)\//.test(n.callFrame.url) && !n.callFrame.url.includes("node_modules");
const label = (n) =>
  `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*\/(packages|apps)\//, "")}:${n.callFrame.lineNumber + 1}`;
function stackInfo(id) {
  let outer,
    inner,
    gc = false;
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (n.callFrame.functionName === "(garbage collector)") gc = true;
    if (ours(n)) {
      if (!inner) inner = n;
      outer = n;
    }
  }
  return {
    outer: outer ? label(outer) : "(no frame of ours)",
    inner: inner ? label(inner) : gc ? "(garbage collector)" : label(byId.get(id)),
  };
}
let t = p.startTime;
let run = null;
const runs = [];
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  const id = p.samples[i];
  if (idle.has(id)) {
    if (run && (run.end - run.start) / 1000 >= MIN_MS) runs.push(run);
    run = null;
    continue;
  }
  if (!run) run = { start: t, end: t, outer: new Map(), inner: new Map() };
  run.end = t;
  const s = stackInfo(id);
  run.outer.set(s.outer, (run.outer.get(s.outer) ?? 0) + p.timeDeltas[i]);
  run.inner.set(s.inner, (run.inner.get(s.inner) ?? 0) + p.timeDeltas[i]);
}
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${(v / 1000).toFixed(0)}ms ${k}`)
    .join(" | ");
for (const r of runs) {
  console.log(`at ${((r.start - p.startTime) / 1e6).toFixed(1)} s: busy ${((r.end - r.start) / 1000).toFixed(0)} ms`);
  console.log(`   outer: ${top(r.outer)}`);
  console.log(`   inner: ${top(r.inner)}`);
}
