// Shared helpers of the hardening benchmarks (issue 10 items 10 and 14): a 100,000-record SQLite table, the BUILT
// daemon (apps/uacregd/dist) as a child process, MI over HTTP, /proc readings, and the three registrars (SIPp,
// Kamailio, the demo registrar). Figures, not assertions: see README.md.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../..");
export const UACREGD = join(ROOT, "apps/uacregd/dist/main.js");
const appRequire = createRequire(join(ROOT, "apps/uacregd/package.json"));
const importPkg = (name) => import(pathToFileURL(appRequire.resolve(name)).href);
export { sleep };

/** Every child started here, killed on exit whatever happens. */
const children = new Set();
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
export function killAll() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
process.once("exit", killAll);
for (const s of ["SIGINT", "SIGTERM"]) {
  process.once(s, () => {
    killAll();
    process.exit(130);
  });
}

export async function stopChild(child, signal = "SIGTERM", ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const t = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(t);
}

/** A port the OS picks (free now; the child binds it soon after). */
export function freePort(udp = false) {
  if (udp) {
    return import("node:dgram").then(
      ({ createSocket }) =>
        new Promise((res) => {
          const s = createSocket("udp4");
          s.bind(0, "127.0.0.1", () => {
            const { port } = s.address();
            s.close(() => res(port));
          });
        }),
    );
  }
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** The kernel's row for a bound UDP socket on 127.0.0.1:port: receive queue bytes and the datagrams it dropped. */
export function udpSocket(port) {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === hex) return { rxQueue: Number.parseInt(f[4].split(":")[1], 16), drops: Number(f[12]) };
  }
  return undefined;
}

export async function waitUdpBound(port, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (udpSocket(port)) return;
    await sleep(25);
  }
  throw new Error(`nothing bound udp 127.0.0.1:${port} within ${ms} ms`);
}

/** VmRSS and VmHWM of a process, in MB. */
export function memOf(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { rssMB: kb("VmRSS") / 1024, hwmMB: kb("VmHWM") / 1024 };
}

/** Process CPU seconds (user + system) from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

export const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/**
 * A fresh registrant table with `count` records, one per user, all to `registrar` (table made by @uacreg/db's
 * createSchema, rows inserted in one better-sqlite3 transaction).
 */
export async function makeDatabase(dir, count, registrar, { auth = false } = {}) {
  const path = join(dir, "registrant.db");
  const { openRepository } = await importPkg("@uacreg/db");
  const { sqliteAdapter } = await importPkg("@uacreg/db-sqlite");
  const repo = await openRepository(`sqlite://${path}`, {}, [sqliteAdapter]);
  await repo.createSchema();
  await repo.close();
  const Database = createRequire(join(ROOT, "packages/db-sqlite/package.json"))("better-sqlite3");
  const db = new Database(path);
  const insert = db.prepare(
    "INSERT INTO registrant (registrar, aor, username, password, binding_URI, expiry, state) VALUES (?, ?, ?, ?, ?, ?, 0)",
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(
        registrar,
        `sip:u${i}@reg.test`,
        auth ? `u${i}` : null,
        auth ? "secret" : null,
        `sip:u${i}@127.0.0.1:5099`,
        3600,
      );
    }
  })();
  db.close();
  return `sqlite://${path}`;
}

/** JSON-RPC over HTTP, one connection per call; resolves with { ms, bytes, result }. */
export function mi(port, method, params = {}) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/mi",
        agent: false,
        headers: { "content-type": "application/json" },
      },
      (r) => {
        const chunks = [];
        r.on("data", (c) => chunks.push(c));
        r.on("end", () => {
          const ms = performance.now() - t0;
          const buf = Buffer.concat(chunks);
          let result;
          if (buf.length < 1_000_000) result = JSON.parse(buf.toString()).result;
          res({ ms, bytes: buf.length, result });
        });
        r.on("error", rej);
      },
    );
    req.on("error", rej);
    req.end(body);
  });
}

export function httpGet(port, path) {
  return new Promise((res, rej) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (r) => {
      let s = "";
      r.setEncoding("utf8");
      r.on("data", (c) => {
        s += c;
      });
      r.on("end", () => res(s));
    });
    req.on("error", rej);
    req.end();
  });
}

/**
 * The transport figures the window benchmark reads, from the metrics text (names: docs/observability.md §1):
 * `transport.retransmissions` and `transport.requestsSent_<METHOD>`.
 */
export function parseMetrics(text) {
  const out = {};
  for (const m of text.matchAll(/^uacreg_transport_retransmissions_total (\S+)$/gm)) {
    out["transport.retransmissions"] = Number(m[1]);
  }
  for (const m of text.matchAll(/^uacreg_transport_requests_sent_total\{method="([^"]+)"\} (\S+)$/gm)) {
    out[`transport.requestsSent_${m[1]}`] = Number(m[2]);
  }
  return out;
}

/**
 * Starts the built daemon on `dbUrl` with the default configuration except `registrant` overrides, MI HTTP and
 * metrics on free ports, no FIFO, its JSON log to a file. `fixedWindow`: the in-flight window pinned at
 * max_in_flight (the behaviour before the adaptive window), through fixed-window-hook.mjs.
 */
export async function startDaemon(dir, dbUrl, { registrant = {}, fixedWindow = false, logLevel = "info" } = {}) {
  const sipPort = await freePort(true);
  const miPort = await freePort();
  const metricsPort = await freePort();
  const config = {
    listen: [`udp:127.0.0.1:${sipPort}`],
    db_url: dbUrl,
    registrant,
    mi: { http: { listen: `127.0.0.1:${miPort}`, root: "mi" }, fifo: null },
    log: { level: logLevel, format: "json" },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  };
  const configFile = join(dir, "uacreg.json");
  // YAML is a superset of JSON: the daemon's YAML reader takes this file as is.
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const logFile = join(dir, "uacregd.log");
  const fd = openSync(logFile, "w");
  const args = [
    ...(fixedWindow ? ["--import", join(HERE, "fixed-window-hook.mjs")] : []),
    UACREGD,
    "--config",
    configFile,
  ];
  const child = track(spawn(process.execPath, args, { stdio: ["ignore", fd, fd], env: { ...process.env, TZ: "UTC" } }));
  closeSync(fd);
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`uacregd exited ${child.exitCode}:\n${readFileSync(logFile, "utf8")}`);
    if (readFileSync(logFile, "utf8").includes("registrant records loaded")) {
      try {
        await mi(miPort, "which");
        break;
      } catch {}
    }
    if (Date.now() > end)
      throw new Error(`uacregd did not load in 120 s:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
    await sleep(100);
  }
  return { child, pid: child.pid, sipPort, miPort, metricsPort, logFile, configFile };
}

/** Starts a registrar process, keeps the end of its stderr, resolves once its UDP port is bound. */
async function startPeer(command, args, { cwd, port, kind, label }) {
  const child = track(
    spawn(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TZ: "UTC" } }),
  );
  let err = "";
  child.stderr.on("data", (c) => {
    err = (err + c).slice(-100_000);
  });
  await waitUdpBound(port);
  return { child, port, kind, label, stderr: () => err };
}

/** Stops the daemon and the registrar of a run (if started) and removes its directory. */
export async function endRun(dir, daemon, registrar) {
  if (daemon) await stopChild(daemon.child, "SIGKILL");
  if (registrar) await stopChild(registrar.child, "SIGTERM");
  removeDir(dir);
}

/** Runs `run(1…runs)` one after the other, printing each row; kills every child at the end. */
export async function repeat(runs, run, print) {
  const rows = [];
  try {
    for (let i = 1; i <= runs; i++) {
      const row = await run(i);
      rows.push(row);
      print(row);
    }
  } finally {
    killAll();
  }
  return rows;
}

/** SIPp as a registrar answering every REGISTER 200 (test/sipp/reg-200-loop.xml), with `-buff_size` if given. */
export async function startSipp(dir, { buffSize } = {}) {
  const port = await freePort(true);
  const cp = await freePort(true);
  // Media (RTP echo) ports: an even port below 20000, outside the test workers' 20000–31999 blocks and the ephemeral
  // range; SIPp binds mp and mp+2.
  const mp = 12000 + 2 * Math.floor(Math.random() * 3900);
  const args = [
    "-sf",
    join(ROOT, "test/sipp/reg-200-loop.xml"),
    "-i",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    "10000000",
    "-nostdin",
    "-timeout",
    "900s",
    "-cp",
    String(cp),
    "-mp",
    String(mp),
    "-default_behaviors",
    "all,-bye",
    ...(buffSize ? ["-buff_size", String(buffSize)] : []),
  ];
  return startPeer("sipp", args, {
    cwd: dir,
    port,
    kind: "sipp",
    label: `SIPp reg-200-loop${buffSize ? ` -buff_size ${buffSize}` : ""}`,
  });
}

/**
 * Kamailio 5.6 as a registrar from bench/hardening/kamailio-registrar.cfg (test/kamailio/registrar.cfg without
 * authentication and with usrloc in memory): `-b` caps its UDP receive-buffer auto-probe.
 */
export async function startKamailio(dir, { maxRcvBuf } = {}) {
  const port = await freePort(true);
  const cfg = readFileSync(join(HERE, "kamailio-registrar.cfg"), "utf8")
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{MPATH}}", "/usr/lib/x86_64-linux-gnu/kamailio/modules/");
  writeFileSync(join(dir, "kamailio.cfg"), cfg);
  const args = ["-f", join(dir, "kamailio.cfg"), "-DD", "-E", "-w", dir, "-P", join(dir, "kamailio.pid"), "-Y", dir];
  args.push("-m", "256", "-M", "16");
  if (maxRcvBuf) args.push("-b", String(maxRcvBuf));
  return startPeer("kamailio", args, {
    cwd: dir,
    port,
    kind: "kamailio",
    label: `Kamailio 5.6${maxRcvBuf ? ` -b ${maxRcvBuf}` : ""}`,
  });
}

/** The demo registrar (Node, Digest auth) in a child process, with `count` users u0…u{count-1} / secret. */
export async function startDemo(count) {
  const port = await freePort(true);
  const args = [join(HERE, "demo-registrar-child.mjs"), String(port), String(count)];
  return startPeer(process.execPath, args, { port, kind: "demo", label: "demo registrar (Node, digest)" });
}

export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `uacreg-G-${tag}-`));
}
export const removeDir = (d) => rmSync(d, { recursive: true, force: true });

/** Quantile of a sorted array (nearest rank). */
export const q = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? Number.NaN;
export const median = (xs) =>
  q(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Prints rows (objects) as an aligned text table. */
export function table(rows) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : String(v));
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(w[i])).join("  "));
  for (const r of rows) console.log(cols.map((c, i) => cell(r[c]).padEnd(w[i])).join("  "));
}
