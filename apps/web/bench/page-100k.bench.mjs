#!/usr/bin/env node
// The status page at 100,000 records (issue 13, "Done when"): the BUILT daemon (apps/uacregd/dist, run `pnpm build`
// first) with 100,000 SQLite records against the demo registrar (digest; one record in ten with a wrong password, so
// the failing-first page has failures to show), and Debian's Chromium opening the page through playwright-core.
// Prints figures, asserts nothing:
//   - the API alone: GET /api/records (first page, failing first; a search; a state filter; a sort), median of 9;
//   - in the browser: navigation → first 100 rows drawn; a search (typed + Enter) → rows drawn; a state filter; a
//     sort by AOR (a header click); each median of RUNS (default 5) on a fresh page;
//   - the daemon's VmRSS / VmHWM before the page is opened, with one page open and live (SSE) for 10 s, and with
//     five pages open.
//   node apps/web/bench/page-100k.bench.mjs            (N=100000 RUNS=5 by default; N=20000 for a quick look)
import { existsSync, writeFileSync, openSync, closeSync, readFileSync, mkdtempSync } from "node:fs";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { loadavg, tmpdir } from "node:os";
import {
  ROOT,
  UACREGD,
  freePort,
  makeDatabase,
  median,
  memOf,
  mi,
  removeDir,
  sleep,
  startDemo,
  stopChild,
  tempDir,
  track,
} from "../../../bench/hardening/lib.mjs";

const N = Number(process.env.N ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 5);
const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing (apt-get install chromium): no figures`);
  process.exit(1);
}
const { chromium } = await import("playwright-core");

const dir = tempDir("web-page");
const registrar = await startDemo(N);
const dbUrl = await makeDatabase(dir, N, `sip:127.0.0.1:${registrar.port}`, { auth: true });
// One record in ten gets a wrong password: WRONG_CREDENTIALS_STATE after its second 401.
const Database = createRequire(join(ROOT, "packages/db-sqlite/package.json"))("better-sqlite3");
const db = new Database(dbUrl.slice("sqlite://".length));
db.prepare("UPDATE registrant SET password = 'wrong' WHERE id % 10 = 0").run();
db.close();

const sipPort = await freePort(true);
const miPort = await freePort();
const webPort = await freePort();
const config = {
  listen: [`udp:127.0.0.1:${sipPort}`],
  db_url: dbUrl,
  registrant: { hash_size: 1, timer_interval: 10 },
  mi: { http: { listen: `127.0.0.1:${miPort}`, root: "mi" }, fifo: null },
  log: { level: "info", format: "json" },
  metrics: null,
  web: { listen: `127.0.0.1:${webPort}`, token: null },
};
const configFile = join(dir, "uacreg.json");
writeFileSync(configFile, JSON.stringify(config, null, 1));
const logFile = join(dir, "uacregd.log");
const fd = openSync(logFile, "w");
const daemon = track(
  spawn(process.execPath, [UACREGD, "--config", configFile], {
    stdio: ["ignore", fd, fd],
    env: { ...process.env, TZ: "UTC" },
  }),
);
closeSync(fd);
const base = `http://127.0.0.1:${webPort}`;
const t0 = Date.now();
for (;;) {
  if (daemon.exitCode !== null) throw new Error(`uacregd exited ${daemon.exitCode}:\n${readFileSync(logFile, "utf8")}`);
  if (readFileSync(logFile, "utf8").includes("registrant records loaded")) {
    try {
      await mi(miPort, "which");
      break;
    } catch {}
  }
  if (Date.now() - t0 > 120_000) throw new Error("uacregd did not load in 120 s");
  await sleep(200);
}
const summary = async () => (await fetch(`${base}/api/summary`)).json();
// Wait until (nearly) every record has settled (registered or refused), at most SETTLE_S (default 600 s).
let s = await summary();
for (const end = Date.now() + Number(process.env.SETTLE_S ?? 600) * 1000; Date.now() < end; ) {
  s = await summary();
  const settled = s.states.REGISTERED_STATE + s.states.WRONG_CREDENTIALS_STATE;
  if (settled >= N * 0.99) break;
  await sleep(2000);
}
console.log(
  `uacregd with ${N.toLocaleString("en-US")} records: ${s.states.REGISTERED_STATE} REGISTERED, ${s.states.WRONG_CREDENTIALS_STATE} WRONG_CREDENTIALS after ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
await sleep(3000); // let the registration burst's garbage go
const rssBefore = memOf(daemon.pid);

const fmt = (xs) =>
  `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

// The API alone.
async function apiTimes(path) {
  const times = [];
  for (let i = 0; i < 9; i++) {
    const start = performance.now();
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    times.push(performance.now() - start);
  }
  return times;
}
const apiRows = [
  ["GET /api/records (first page, failing first)", "/api/records"],
  ["GET /api/records?q=u4242", "/api/records?q=u4242"],
  ["GET /api/records?state=WRONG_CREDENTIALS_STATE", "/api/records?state=WRONG_CREDENTIALS_STATE"],
  ["GET /api/records?sort=aor", "/api/records?sort=aor"],
  ["GET /api/records?sort=aor&offset=50000", "/api/records?sort=aor&offset=50000"],
];
for (const [label, path] of apiRows) console.log(`${label}: ${fmt(await apiTimes(path))}`);

// The page in Chromium.
const profile = mkdtempSync(join(tmpdir(), "uacreg-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 800 },
});
const labelIs = (page, re) =>
  page.waitForFunction(
    (src) => new RegExp(src).test(document.getElementById("page-label")?.textContent ?? ""),
    re.source,
    {
      polling: "raf",
      timeout: 30_000,
    },
  );
const firstRows = [];
const search = [];
const filter = [];
const sort = [];
const total = N.toLocaleString("en-US");
for (let run = 0; run < RUNS; run++) {
  const page = await context.newPage();
  let start = performance.now();
  await page.goto(`${base}/`);
  await labelIs(page, new RegExp(`^1–100 of ${total}$`));
  firstRows.push(performance.now() - start);

  await page.fill("#search", "u4242");
  start = performance.now();
  await page.press("#search", "Enter");
  await labelIs(page, /^1–11 of 11$/);
  search.push(performance.now() - start);

  await page.fill("#search", "");
  await page.press("#search", "Enter");
  await labelIs(page, new RegExp(`^1–100 of ${total}$`));
  start = performance.now();
  await page.selectOption("#state-filter", "WRONG_CREDENTIALS_STATE");
  // Any total but all records': the count of WRONG_CREDENTIALS moves while records still register.
  await labelIs(page, new RegExp(`^1–100 of (?!${total}$)[\\d,]+$`));
  filter.push(performance.now() - start);

  await page.selectOption("#state-filter", "all");
  await labelIs(page, new RegExp(`^1–100 of ${total}$`));
  start = performance.now();
  await page.click("th[data-sort=aor] button");
  await page.waitForFunction(
    () => document.querySelector("#rows tr")?.getAttribute("aria-label")?.startsWith("sip:u0@"),
    null,
    {
      polling: "raf",
      timeout: 30_000,
    },
  );
  sort.push(performance.now() - start);
  if (run < RUNS - 1) await page.close();
}
console.log(
  `load average during the page runs: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")} (2 cores)`,
);
console.log(`page: navigation → first 100 rows drawn: ${fmt(firstRows)}`);
console.log(`page: search "u4242" (Enter) → 11 rows drawn: ${fmt(search)}`);
console.log(`page: filter WRONG_CREDENTIALS → rows drawn: ${fmt(filter)}`);
console.log(`page: sort by AOR (header click) → rows drawn: ${fmt(sort)}`);

await sleep(10_000); // one page open, live
const rssOne = memOf(daemon.pid);
const more = [];
for (let i = 0; i < 4; i++) {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await labelIs(page, new RegExp(`of ${total}$`));
  more.push(page);
}
await sleep(10_000);
const rssFive = memOf(daemon.pid);
const mb = (m) => `VmRSS ${m.rssMB.toFixed(0)} MB (VmHWM ${m.hwmMB.toFixed(0)} MB)`;
console.log(`daemon before the page: ${mb(rssBefore)}`);
console.log(`daemon with one page open (live) for 10 s: ${mb(rssOne)}`);
console.log(`daemon with five pages open for 10 s: ${mb(rssFive)}`);

await context.close();
removeDir(profile);
await stopChild(daemon, "SIGKILL");
await stopChild(registrar.child, "SIGTERM");
removeDir(dir);
