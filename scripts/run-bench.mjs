#!/usr/bin/env node
// Runs every benchmark script (packages/*/bench/*.mjs, apps/*/bench/*.mjs) in turn, then the daemon-level benchmark in
// its --quick mode (test/bench/daemon-bench.mjs; the full runs are `pnpm bench:daemon`, test/bench/README.md); each
// prints its figures.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const scripts = [];
for (const group of ["packages", "apps"]) {
  for (const dir of readdirSync(group).map((d) => join(group, d))) {
    const bench = join(dir, "bench");
    if (!existsSync(bench)) continue;
    for (const f of readdirSync(bench).sort()) if (f.endsWith(".mjs")) scripts.push([join(bench, f)]);
  }
}
scripts.push([join("test", "bench", "daemon-bench.mjs"), "--quick"]);
const only = process.argv[2];
let failed = 0;
for (const [s, ...args] of scripts) {
  if (only && !s.includes(only)) continue;
  console.log(`\n== ${[s, ...args].join(" ")}`);
  const r = spawnSync(process.execPath, ["--expose-gc", s, ...args], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
