#!/usr/bin/env node
// Runs every benchmark script (packages/*/bench/*.mjs, apps/*/bench/*.mjs and test/bench/*.mjs) in turn; each prints its figures.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const scripts = [];
for (const group of ["packages", "apps", "test"]) {
  const dirs = group === "test" ? ["test"] : readdirSync(group).map((d) => join(group, d));
  for (const dir of dirs) {
    const bench = join(dir, "bench");
    if (!existsSync(bench)) continue;
    for (const f of readdirSync(bench).sort()) if (f.endsWith(".mjs")) scripts.push(join(bench, f));
  }
}
const only = process.argv[2];
let failed = 0;
for (const s of scripts) {
  if (only && !s.includes(only)) continue;
  console.log(`\n== ${s}`);
  const r = spawnSync(process.execPath, ["--expose-gc", s], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
