#!/usr/bin/env node
// Runs every test of the workspace in one vitest run and prints the closing line CI reads:
// "N passed, N failed, N skipped" alone on a line. Exits with vitest's code.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const report = ".vitest-report.json";
rmSync(report, { force: true });
const args = [
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync("pnpm", args, { stdio: "inherit" });
let summary = "0 passed, 0 failed, 0 skipped";
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`;
} catch {
  console.error("no vitest report was written");
}
console.log(summary);
process.exit(run.status ?? 1);
