#!/usr/bin/env node
// Rewrites a /tmp/perf-<pid>.map written by `node --perf-basic-prof` so that every address range is named by the
// latest code object placed there. V8 reuses its code space and the map file only grows, so `perf report` may name
// a sample after a function whose code was freed long before (docs/performance.md, "The ramp and the hold profiled
// with perf"). Run it after the process has exited (or stopped writing), before `perf report`.
//   node test/bench/perf-map-latest.mjs /tmp/perf-12345.map
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: perf-map-latest.mjs /tmp/perf-<pid>.map");
  process.exit(2);
}
/** Live entries by start address, kept sorted by start. */
const live = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
  if (!m) continue;
  const start = BigInt(`0x${m[1]}`);
  const end = start + BigInt(`0x${m[2]}`);
  // Drop every earlier entry overlapping [start, end): the new code object replaced it.
  let lo = 0;
  let hi = live.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (live[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  let n = 0;
  while (lo + n < live.length && live[lo + n].start < end) n++;
  live.splice(lo, n, { start, end, line });
}
writeFileSync(file, `${live.map((e) => e.line).join("\n")}\n`);
console.log(`${file}: ${live.length} code ranges kept`);
