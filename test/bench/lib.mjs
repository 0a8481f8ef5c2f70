// Helpers of the daemon benchmark (test/bench/daemon-bench.mjs, issue 14): /proc readings, the generated databases,
// the Kamailio registrar and the Kamailio uac_reg client, the BUILT uacregd as a child process, MI over HTTP.
// Plain Node ESM: runs from a fresh clone after `pnpm build`. Figures, not assertions: see README.md.
import { execFile, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { account, DOMAIN } from "./accounts.mjs";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../..");
export const UACREGD = join(ROOT, "apps/uacregd/dist/main.js");
const KAMAILIO = process.env.UACREG_KAMAILIO ?? "/usr/sbin/kamailio";
const KAMCMD = process.env.UACREG_KAMCMD ?? "/usr/sbin/kamcmd";
const MPATH = process.env.UACREG_KAMAILIO_MODULES ?? "/usr/lib/x86_64-linux-gnu/kamailio/modules/";
const SCHEMA_DIR = process.env.UACREG_KAMAILIO_SCHEMA ?? "/usr/share/kamailio/db_sqlite";
const appRequire = createRequire(join(ROOT, "apps/uacregd/package.json"));
const importPkg = (name) => import(pathToFileURL(appRequire.resolve(name)).href);
const Database = createRequire(join(ROOT, "packages/db-sqlite/package.json"))("better-sqlite3");
export { sleep };

/** Every child started here, killed on exit whatever happens (with the processes it forked, for Kamailio). */
const children = new Set();
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
/** SIGKILL to `pids`, ignoring those already gone. */
function killPids(pids) {
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {}
  }
}
export function killAll() {
  for (const c of children) {
    // Kamailio's forked processes outlive a SIGKILLed main process: kill the whole tree
    if (c.exitCode === null && c.signalCode === null) killPids(processTree(c.pid));
  }
}
process.once("exit", killAll);
for (const s of ["SIGINT", "SIGTERM"]) {
  process.once(s, () => {
    killAll();
    process.exit(130);
  });
}

/** `signal` to the child, SIGKILL to it and every process it forked if it has not exited within `ms`. */
export async function stopChild(child, signal = "SIGTERM", ms = 5000) {
  const tree = processTree(child.pid);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    await exited;
    clearTimeout(t);
  }
  // whatever it forked and left behind
  const end = Date.now() + 2000;
  while (tree.slice(1).some((p) => statFields(p)) && Date.now() < end) await sleep(50);
  killPids(tree.slice(1).filter((p) => statFields(p)));
}

/** A port the OS picks (free now; the child binds it soon after). */
export async function freePort(udp = false) {
  if (udp) {
    const { createSocket } = await import("node:dgram");
    return new Promise((res) => {
      const s = createSocket("udp4");
      s.bind(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => res(port));
      });
    });
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

// ---------------------------------------------------------------------------------------------------------------
// /proc

/** The kernel's row for a bound UDP socket on 127.0.0.1:port: receive queue bytes and the datagrams it dropped. */
export function udpSocket(port) {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === hex) return { rxQueue: Number.parseInt(f[4].split(":")[1], 16), drops: Number(f[12]) };
  }
  return undefined;
}

export async function waitUdpBound(port, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (udpSocket(port)) return;
    await sleep(25);
  }
  throw new Error(`nothing bound udp 127.0.0.1:${port} within ${ms} ms`);
}

/** The kernel's UDP counters (the `Udp:` rows of /proc/net/snmp), machine-wide. */
export function udpSnmp() {
  const lines = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("Udp:"));
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

const CLK_TCK = 100;
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Process CPU seconds (user + system) from /proc/<pid>/stat; 0 once the process is gone. */
export function cpuSeconds(pid) {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLK_TCK : 0;
}

/** System (kernel) CPU seconds of a process from /proc/<pid>/stat (stime): sends and receives on loopback run the
 * peer's receive path in the sender's system time. 0 once the process is gone. */
export function systemCpuSeconds(pid) {
  const f = statFields(pid);
  return f ? Number(f[12]) / CLK_TCK : 0;
}

/** `pid` and every process whose parent is `pid` (Kamailio forks all its processes from the main one). */
export function processTree(pid) {
  const out = [pid];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(name);
    if (f && Number(f[1]) === pid) out.push(Number(name));
  }
  return out;
}

/** CPU seconds summed over `pids`. */
export const cpuOfTree = (pids) => pids.reduce((s, p) => s + cpuSeconds(p), 0);

/** VmRSS and VmHWM of a process, in MB. */
export function memOf(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { rssMB: kb("VmRSS") / 1024, hwmMB: kb("VmHWM") / 1024 };
}

/** PSS summed over `pids` (shared memory counted once overall), in MB, from /proc/<pid>/smaps_rollup. */
export function pssOfTree(pids) {
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}

export const readText = (path) => readFileSync(path, "utf8");

export const loadAvg = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `uacreg-bench-${tag}-`));
}
export const removeDir = (d) => {
  if (!process.env.UACREG_BENCH_KEEP) rmSync(d, { recursive: true, force: true });
};

// ---------------------------------------------------------------------------------------------------------------
// accounts

export { account, DOMAIN };

/** A SQLite file with Kamailio's schema (version table + the given schema files). */
function kamailioDb(path, files) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec(readFileSync(join(SCHEMA_DIR, "standard-create.sql"), "utf8"));
  for (const f of files) db.exec(readFileSync(join(SCHEMA_DIR, f), "utf8"));
  return db;
}

/** The registrar's `subscriber` table with accounts 0…n-1 (plain-text password, ha1 computed by auth_db). */
export function makeSubscriberDb(path, n) {
  const db = kamailioDb(path, ["auth_db-create.sql", "usrloc-create.sql"]);
  const insert = db.prepare("INSERT INTO subscriber (username, domain, password) VALUES (?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const a = account(i);
      insert.run(a.user, DOMAIN, a.password);
    }
  })();
  db.close();
}

/** Kamailio uac's `uacreg` table with accounts 0…n-1, each registering with `proxy` for `expires` seconds. */
export function makeUacregDb(path, n, proxy, expires) {
  const db = kamailioDb(path, ["uac-create.sql"]);
  const insert = db.prepare(
    "INSERT INTO uacreg (l_uuid, l_username, l_domain, r_username, r_domain, realm, auth_username, auth_password, " +
      "auth_proxy, expires, flags, reg_delay) VALUES (?, ?, 'local.test', ?, ?, ?, ?, ?, ?, ?, 0, 0)",
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const a = account(i);
      insert.run(a.user, a.user, a.user, DOMAIN, DOMAIN, a.user, a.password, proxy, expires);
    }
  })();
  db.close();
}

/**
 * uacregd's `registrant` table (OpenSIPS version 3, created by @uacreg/db's createSchema) with accounts 0…n-1 to
 * `registrar`, in SQLite at `path` (returns its db_url) or in PostgreSQL at `pgUrl` as table `table`.
 */
export async function makeRegistrantDb({ path, pgUrl, table = "registrant" }, n, registrar, expires, binding) {
  const { openRepository } = await importPkg("@uacreg/db");
  const row = (i) => {
    const a = account(i);
    return [registrar, `sip:${a.user}@${DOMAIN}`, a.user, a.password, `sip:${a.user}@${binding}`, expires];
  };
  const cols = "(registrar, aor, username, password, binding_URI, expiry, state)";
  if (pgUrl) {
    const { postgresAdapter } = await importPkg("@uacreg/db-postgres");
    const pg = createRequire(join(ROOT, "packages/db-postgres/package.json"))("pg");
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    const repo = await openRepository(pgUrl, { tableName: table }, [postgresAdapter]);
    await repo.createSchema();
    await repo.close();
    const BATCH = 1000;
    for (let start = 0; start < n; start += BATCH) {
      const values = [];
      const params = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const r = row(i);
        const b = params.length;
        values.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, 0)`);
        params.push(...r);
      }
      await client.query(`INSERT INTO ${table} ${cols} VALUES ${values.join(", ")}`, params);
    }
    await client.end();
    return pgUrl;
  }
  const { sqliteAdapter } = await importPkg("@uacreg/db-sqlite");
  const url = `sqlite://${path}`;
  const repo = await openRepository(url, { tableName: table }, [sqliteAdapter]);
  await repo.createSchema();
  await repo.close();
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO ${table} ${cols} VALUES (?, ?, ?, ?, ?, ?, 0)`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(...row(i));
  })();
  db.close();
  return url;
}

/** Drops a PostgreSQL table made by makeRegistrantDb. */
export async function dropPgTable(pgUrl, table) {
  const pg = createRequire(join(ROOT, "packages/db-postgres/package.json"))("pg");
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
}

// ---------------------------------------------------------------------------------------------------------------
// Kamailio

function fill(template, values) {
  return readFileSync(join(HERE, template), "utf8").replace(/\{\{([A-Z_]+)\}\}/g, (_, k) => {
    if (values[k] === undefined) throw new Error(`${template}: no value for {{${k}}}`);
    return String(values[k]);
  });
}

/**
 * Spawns Kamailio on `cfgText` in `dir` and returns at once (the harness samples its start-up); `ready` resolves
 * once its UDP port is bound and its pid file written.
 */
function spawnKamailio(dir, name, cfgText, port, { shmMB, pkgMB = 16, maxBuf }) {
  const cfg = join(dir, `${name}.cfg`);
  writeFileSync(cfg, cfgText);
  const pidFile = join(dir, `${name}.pid`);
  const args = ["-f", cfg, "-DD", "-E", "-w", dir, "-P", pidFile, "-Y", dir, "-m", String(shmMB), "-M", String(pkgMB)];
  args.push("-b", String(maxBuf));
  const logPath = join(dir, `${name}.log`);
  const logFd = openSync(logPath, "w");
  const t0 = performance.now();
  const child = track(
    spawn(KAMAILIO, args, { cwd: dir, stdio: ["ignore", logFd, logFd], env: { ...process.env, TZ: "UTC" } }),
  );
  closeSync(logFd);
  const ready = (async () => {
    const end = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`kamailio ${name} exited:\n${readFileSync(logPath, "utf8").slice(-4000)}`);
      }
      if (udpSocket(port)) {
        try {
          readFileSync(pidFile);
          return;
        } catch {}
      }
      if (Date.now() > end) throw new Error(`kamailio ${name} did not listen within 30 s`);
      await sleep(10);
    }
  })();
  ready.catch(() => {});
  const ctl = join(dir, `${name}.ctl`);
  const k = {
    name,
    child,
    pid: child.pid,
    port,
    ctl,
    startedMs: t0,
    ready,
    log: () => readFileSync(logPath, "utf8"),
    tree: () => processTree(child.pid),
    cpu: () => cpuOfTree(processTree(child.pid)),
    systemCpu: () => processTree(child.pid).reduce((sum, p) => sum + systemCpuSeconds(p), 0),
    pssMB: () => pssOfTree(processTree(child.pid)),
    /** `kamcmd` over the ctl socket: resolves with its stdout. */
    rpc: (...cmd) =>
      new Promise((res, rej) =>
        execFile(KAMCMD, ["-s", `unix:${ctl}`, ...cmd], { timeout: 10_000 }, (err, stdout, stderr) =>
          err ? rej(new Error(`kamcmd ${cmd.join(" ")}: ${err.message} ${stderr}`)) : res(stdout),
        ),
      ),
    /** Every statistic as name → number (`stats.get_statistics all`). */
    stats: async () => {
      const out = {};
      for (const m of (await k.rpc("stats.get_statistics", "all")).matchAll(/^\s*([\w.:-]+)\s*=\s*(\d+)\s*$/gm)) {
        out[m[1]] = Number(m[2]);
      }
      return out;
    },
    stop: () => stopChild(child, "SIGTERM"),
  };
  return k;
}

/** The benchmark registrar (kamailio-registrar.cfg) with accounts 0…n-1 in its subscriber table. */
export async function startRegistrar(dir, n, { children = 4, ulTimer = 5, nonceExpire = 300, shmMB, maxBuf }) {
  const port = await freePort(true);
  const dbPath = join(dir, "registrar.db");
  makeSubscriberDb(dbPath, n);
  const text = fill("kamailio-registrar.cfg", {
    CHILDREN: children,
    MAXBUF: maxBuf,
    PORT: port,
    MPATH,
    CTL: join(dir, "registrar.ctl"),
    UL_TIMER: ulTimer,
    NONCE_EXPIRE: nonceExpire,
    DB_URL: `sqlite:///${dbPath}`,
  });
  const k = spawnKamailio(dir, "registrar", text, port, { shmMB, maxBuf });
  await k.ready;
  return k;
}

/**
 * Kamailio's uac_reg client (kamailio-uac.cfg) registering accounts 0…n-1 with `registrarPort`, from the `uacreg`
 * table at `dir`/uac.db (made by makeUacregDb first). Returns once spawned; `ready` resolves once it listens.
 */
export async function spawnUacClient(
  dir,
  { children = 4, timer = 10, retry = 60, randomDelay = 0, shmMB, pkgMB, maxBuf },
) {
  const port = await freePort(true);
  const dbPath = join(dir, "uac.db");
  const text = fill("kamailio-uac.cfg", {
    CHILDREN: children,
    MAXBUF: maxBuf,
    PORT: port,
    MPATH,
    CTL: join(dir, "uac.ctl"),
    DB_URL: `sqlite:///${dbPath}`,
    TIMER: timer,
    RETRY: retry,
    RANDOM_DELAY: randomDelay,
  });
  return spawnKamailio(dir, "uac", text, port, { shmMB, pkgMB, maxBuf });
}

// ---------------------------------------------------------------------------------------------------------------
// uacregd

/** JSON-RPC over HTTP, one connection per call; resolves with { ms, result }, rejects after `timeoutMs`. */
export function mi(port, method, params = {}, timeoutMs = 5000) {
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
        timeout: timeoutMs,
        headers: { "content-type": "application/json" },
      },
      (r) => {
        const chunks = [];
        r.on("data", (c) => chunks.push(c));
        r.on("end", () => res({ ms: performance.now() - t0, result: JSON.parse(Buffer.concat(chunks)).result }));
        r.on("error", rej);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`MI ${method}: no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
    req.end(body);
  });
}

/** GET over HTTP; rejects when no answer came within `timeoutMs` (a daemon whose event loop is stuck). */
export function httpGet(port, path, timeoutMs = 30_000) {
  return new Promise((res, rej) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs }, (r) => {
      let s = "";
      r.setEncoding("utf8");
      r.on("data", (c) => {
        s += c;
      });
      r.on("end", () => res(s));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
    req.end();
  });
}

/** `name{labels} value` lines of the Prometheus text, as "name{labels}" → number. */
export function parseProm(text) {
  const out = {};
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/**
 * The node flags of the shipped start command: those on the `#!/usr/bin/env -S node …` line of the built
 * apps/uacregd/dist/main.js (what `bin/uacregd` and the systemd unit run).
 */
export function shippedNodeFlags() {
  const first = readFileSync(UACREGD, "utf8").split("\n", 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
  return m === null ? [] : m[1].split(/\s+/).filter(Boolean);
}

/**
 * The node flags the daemon runs with: UACREG_BENCH_NODE_FLAGS when set (it REPLACES the shipped ones; `none` = no
 * flag at all), else the shipped start command's ({@link shippedNodeFlags}).
 */
export function daemonNodeFlags() {
  const env = process.env.UACREG_BENCH_NODE_FLAGS;
  if (env === undefined || env.trim() === "") return shippedNodeFlags();
  return env.trim() === "none" ? [] : env.split(/\s+/).filter(Boolean);
}

/**
 * Starts the built daemon with `config` (written as JSON, which the daemon's YAML reader takes as is) plus MI HTTP
 * and metrics on free ports, with {@link daemonNodeFlags} (the shipped start command's flags unless
 * UACREG_BENCH_NODE_FLAGS replaces them, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 * Resolves as soon as the process is spawned (the harness samples its start-up).
 */
export async function spawnDaemon(dir, config) {
  const miPort = await freePort();
  const metricsPort = await freePort();
  const full = {
    ...config,
    mi: { http: { listen: `127.0.0.1:${miPort}`, root: "mi" }, fifo: null },
    // info (the default an operator runs) logs every state change: UACREG_BENCH_LOG_LEVEL=warn measures without it
    log: { level: process.env.UACREG_BENCH_LOG_LEVEL ?? "info", format: "json" },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  };
  const configFile = join(dir, "uacregd.json");
  writeFileSync(configFile, JSON.stringify(full, null, 1));
  const logFile = join(dir, "uacregd.log");
  const fd = openSync(logFile, "w");
  const nodeFlags = daemonNodeFlags();
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, [...nodeFlags, UACREGD, "--config", configFile], {
      cwd: dir,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, TZ: "UTC" },
    }),
  );
  closeSync(fd);
  return {
    child,
    pid: child.pid,
    startedMs: t0,
    miPort,
    metricsPort,
    logFile,
    log: () => readFileSync(logFile, "utf8"),
    cpu: () => cpuSeconds(child.pid),
    systemCpu: () => systemCpuSeconds(child.pid),
    mem: () => memOf(child.pid),
    metrics: async () => parseProm(await httpGet(metricsPort, "/metrics")),
    // SIGTERM: the daemon writes its CPU profile (--cpu-prof) on a clean exit
    stop: () => stopChild(child, "SIGTERM", 15_000),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// the minimal Node client

/**
 * Starts node-floor.mjs (the least a Node process does to keep accounts 0…n-1 registered) against `registrarPort`,
 * with the shipped start command's node flags ({@link shippedNodeFlags}), so that it differs from uacregd only by
 * what uacregd does. Resolves as soon as the process is spawned.
 */
export async function spawnFloor(dir, { registrarPort, n, expires, timer, maxInFlight = 2000 }) {
  const port = await freePort(true);
  // its output (only a failure's line) in the run's directory, kept with UACREG_BENCH_KEEP=1
  const fd = openSync(join(dir, "node-floor.log"), "w");
  const args = [`--registrar=${registrarPort}`, `--port=${port}`, `--n=${n}`, `--expires=${expires}`];
  args.push(`--timer=${timer}`, `--max-in-flight=${maxInFlight}`);
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, [...shippedNodeFlags(), join(HERE, "node-floor.mjs"), ...args], {
      cwd: dir,
      stdio: ["ignore", fd, fd],
    }),
  );
  closeSync(fd);
  return {
    child,
    pid: child.pid,
    port,
    startedMs: t0,
    cpu: () => cpuSeconds(child.pid),
    systemCpu: () => systemCpuSeconds(child.pid),
    pssMB: () => pssOfTree([child.pid]),
    stop: () => stopChild(child, "SIGTERM"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// output

export const fmt = (v, d = 3) =>
  v === undefined || v === null ? "–" : typeof v === "number" ? (Number.isFinite(v) ? v.toFixed(d) : "–") : String(v);
export const ratio = (a, b) => (b > 0 ? a / b : Number.NaN);

/** The commit of the tree the harness runs in (`git rev-parse HEAD`; a worktree too). */
export function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
