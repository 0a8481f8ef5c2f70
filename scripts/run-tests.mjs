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
// The end-to-end files act as MI FIFO clients the way opensips-cli does: write the request, then a blocking open of the
// reply FIFO, which holds a libuv thread until the daemon opens the other end. With Node's default 4 threads, ten
// concurrent FIFO calls queue behind each other and, on a loaded machine, a client opens its reply FIFO after the
// daemon's ENXIO retries (4 × 80 ms, as OpenSIPS's mi_fifo) have given up. Enough threads keep every client's open in
// the kernel at once, as separate opensips-cli processes would be.
const env = { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? "32" };
const run = spawnSync("pnpm", args, { stdio: "inherit", env });
let summary = "0 passed, 0 failed, 0 skipped";
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`;
} catch {
  console.error("no vitest report was written");
}
console.log(summary);
process.exit(run.status ?? 1);
