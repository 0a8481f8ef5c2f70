// Shared helpers of the cluster benchmarks (issue 11 "Done when", docs/cluster.md §3.7, §4): a database of the run's
// own on the shared PostgreSQL or MariaDB server, seeded with N records; the demo registrar logging every REGISTER
// (registrar-child.mjs); statement-counting proxies (statement-proxy.mjs); the BUILT daemon (apps/uacregd/dist) as
// nodes on 127.0.0.2/.3/.4; and the reading of the registrar's log. Figures, not assertions: see README.md.
import { fork, execFile, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, fstatSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import {
  freePort,
  killAll,
  mi,
  removeDir,
  ROOT,
  sleep,
  stopChild,
  table,
  track,
  UACREGD,
  udpSocket,
  waitUdpBound,
} from "../hardening/lib.mjs";

export { killAll, load, median, removeDir, sleep, stopChild, table } from "../hardening/lib.mjs";
export { mi };

const HERE = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const UACREG_CLI = join(ROOT, "apps/uacreg/dist/main.js");
const appRequire = createRequire(join(ROOT, "apps/uacregd/package.json"));
const importPkg = (name) => import(pathToFileURL(appRequire.resolve(name)).href);

export const PG_URL = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.UACREG_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
export const TAGS = ["t0/1", "t1/1", "t2/1", "t3/1"];
export const NAMES = ["n1", "n2", "n3"];
/** Node name → the loopback address its SIP socket uses (the source the registrar logs). */
export const HOST_OF = { n1: "127.0.0.2", n2: "127.0.0.3", n3: "127.0.0.4" };
export const NODE_OF_HOST = Object.fromEntries(Object.entries(HOST_OF).map(([n, h]) => [h, n]));
/** The lease parameters of docs/cluster.md §3 (L, P) per `timing`. */
export const TIMING = { default: { L: 15000, P: 2000 }, fast: { L: 6000, P: 1000 } };

/** Record i: every other one tagged (round robin over TAGS), the others untagged (hash buckets). */
export const tagOf = (i) => (i % 2 === 0 ? TAGS[(i / 2) % TAGS.length] : null);

export const tempDir = (tag) => mkdtempSync(join(tmpdir(), `uacreg-L-${tag}-`));

/** Parses `--name value` flags over defaults (numbers stay numbers). */
export function flags(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "");
    if (!(k in defaults)) throw new Error(`unknown flag --${k}; known: ${Object.keys(defaults).join(", ")}`);
    out[k] = typeof defaults[k] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}

async function adminClient(engine, url) {
  if (engine === "postgres") {
    const { Client } = createRequire(join(ROOT, "packages/db-postgres/package.json"))("pg");
    const c = new Client({ connectionString: url });
    await c.connect();
    return { query: async (sql, params) => (await c.query(sql, params)).rows, end: () => c.end() };
  }
  const mysql = createRequire(join(ROOT, "packages/db-mysql/package.json"))("mysql2/promise");
  const c = await mysql.createConnection(url);
  return { query: async (sql, params) => (await c.query(sql, params))[0], end: () => c.end() };
}

let databases = 0;
/** CREATE DATABASE bench_cluster_<pid>_<n> on the engine's test server; `drop()` removes it. */
export async function freshDatabase(engine) {
  const name = `bench_cluster_${process.pid}_${++databases}`;
  const base = engine === "postgres" ? PG_URL : MYSQL_URL;
  const admin = await adminClient(engine, base);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = await adminClient(engine, base);
      try {
        await c.query(
          engine === "postgres" ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`,
        );
      } finally {
        await c.end();
      }
    },
  };
}

/** `uacreg db create`, then `count` rows (user u<i>, password secret, expiry 3600) in batches of 1,000. */
export async function seed(engine, url, count, registrar) {
  await run(process.execPath, [UACREG_CLI, "db", "create", "--db-url", url]);
  const c = await adminClient(engine, url);
  try {
    for (let from = 0; from < count; from += 1000) {
      const values = [];
      const params = [];
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        const p = params.length;
        values.push(
          engine === "postgres"
            ? `($${p + 1}, $${p + 2}, $${p + 3}, 'secret', $${p + 4}, 3600, $${p + 5})`
            : "(?, ?, ?, 'secret', ?, 3600, ?)",
        );
        params.push(registrar, `sip:u${i}@reg.test`, `u${i}`, `sip:u${i}@127.0.0.1:5099`, tagOf(i));
      }
      const col = engine === "postgres" ? "binding_uri" : "binding_URI";
      await c.query(
        `INSERT INTO registrant (registrar, aor, username, password, ${col}, expiry, cluster_shtag) VALUES ${values.join(", ")}`,
        params,
      );
    }
  } finally {
    await c.end();
  }
}

/** Rows touched in the run's database so far (PostgreSQL: pg_stat_user_tables and pg_stat_database). */
export async function rowStats(engine, url, dbName) {
  if (engine !== "postgres") return undefined;
  const c = await adminClient(engine, url);
  try {
    const [t] = await c.query(
      `SELECT sum(n_tup_ins)::int AS ins, sum(n_tup_upd)::int AS upd, sum(n_tup_del)::int AS del,
              sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::bigint AS read FROM pg_stat_user_tables`,
    );
    const [d] = await c.query("SELECT xact_commit::bigint AS commits FROM pg_stat_database WHERE datname = $1", [
      dbName,
    ]);
    return { ins: t.ins, upd: t.upd, del: t.del, read: Number(t.read), commits: Number(d.commits) };
  } finally {
    await c.end();
  }
}

/** One statement-counting proxy per node name in front of the database (statement-proxy.mjs, its own process);
 * with `enabled` false the nodes use the database directly and every count is NaN. */
export async function startProxies(engine, dbUrl, names, enabled = true) {
  if (!enabled) {
    const none = Object.fromEntries(names.map((n) => [n, Number.NaN]));
    return { urlOf: () => dbUrl, counts: async () => none, close: async () => {} };
  }
  const child = track(fork(join(HERE, "statement-proxy.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const ask = (m) =>
    new Promise((res) => {
      child.once("message", res);
      child.send(m);
    });
  const url = new URL(dbUrl);
  const port = Number(url.port || (engine === "postgres" ? 5432 : 3306));
  const { ports } = await ask({ open: names.map((name) => ({ name, engine, host: url.hostname, port })) });
  return {
    urlOf(name) {
      const u = new URL(dbUrl);
      u.hostname = "127.0.0.1";
      u.port = String(ports[name]);
      return u.toString();
    },
    counts: async () => (await ask({ counts: true })).counts,
    close: () => stopChild(child, "SIGTERM"),
  };
}

/** The demo registrar with users u0…u{count-1} in its own process, logging every REGISTER to `<dir>/register.jsonl`. */
export async function startRegistrar(dir, count) {
  const port = await freePort(true);
  const logFile = join(dir, "register.jsonl");
  const child = track(
    spawn(process.execPath, [join(HERE, "registrar-child.mjs"), String(port), String(count), logFile], {
      stdio: ["ignore", "ignore", "pipe"],
    }),
  );
  child.stderr.resume();
  let stopped;
  await waitUdpBound(port, 60_000);
  return {
    child,
    port,
    uri: `sip:127.0.0.1:${port}`,
    log: new RegisterLog(logFile),
    /** Datagrams the kernel dropped at the registrar's socket so far (its receive buffer was full). */
    drops: () => udpSocket(port)?.drops ?? Number.NaN,
    /** Stops it (once; later calls get the same promise). */
    stop() {
      stopped ??= (async () => {
        const drained = new Promise((res) => child.stderr.once("close", res));
        await stopChild(child, "SIGTERM");
        await drained;
      })();
      return stopped;
    },
  };
}

/**
 * The complete lines appended to `file` since the last call with the same `state` ({ offset, rest }); a line still
 * being written is kept for the next call. A file that does not exist yet has no lines.
 */
export function appendedLines(file, state) {
  let fd;
  try {
    fd = openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= state.offset) return [];
    const buf = Buffer.alloc(size - state.offset);
    readSync(fd, buf, 0, buf.length, state.offset);
    state.offset = size;
    const lines = (state.rest + buf.toString("utf8")).split("\n");
    state.rest = lines.pop() ?? "";
    return lines;
  } finally {
    closeSync(fd);
  }
}

/**
 * The registrar's JSON-lines log, read incrementally. Every entry is kept (compact); per record (u<i>) the last
 * accepted REGISTER (a 2xx that changed the binding, not a retransmission) is tracked as it is read.
 */
export class RegisterLog {
  constructor(file) {
    this.file = file;
    this.offset = 0;
    this.rest = "";
    /** { at, i, node, callId, cseq, status, accepted, retransmission } */
    this.entries = [];
    /** record index → { node, at } of its last accepted REGISTER */
    this.last = new Map();
  }
  /** Reads what was appended since the last call. */
  poll() {
    for (const line of appendedLines(this.file, this)) {
      if (line === "") continue;
      const e = JSON.parse(line);
      const m = /^sip:u(\d+)@/.exec(e.aor);
      if (!m) continue;
      const entry = {
        at: e.at,
        i: Number(m[1]),
        node: NODE_OF_HOST[e.source.split(":")[0]] ?? e.source,
        callId: e.callId,
        cseq: e.cseq,
        status: e.status,
        accepted: e.status >= 200 && e.status < 300 && e.changed && !e.retransmission,
        retransmission: e.retransmission,
      };
      this.entries.push(entry);
      if (entry.accepted) this.last.set(entry.i, { node: entry.node, at: entry.at });
    }
    return this;
  }
}

/**
 * Starts one built daemon as node `name` (SIP on HOST_OF[name]), clustering on with `cluster` settings on top of
 * backend db; its JSON log (level info) to `<dir>/<name>.log`; resolves when its records are loaded and MI answers.
 */
export async function startNode(dir, name, dbUrl, cluster) {
  const host = HOST_OF[name];
  const sipPort = await freePort(true);
  const miPort = await freePort();
  const metricsPort = await freePort();
  const config = {
    listen: [`udp:${host}:${sipPort}`],
    db_url: dbUrl,
    registrant: { enable_clustering: 1, hash_size: 1, timer_interval: 10 },
    cluster: { backend: "db", node_name: name, ...cluster },
    mi: { http: { listen: `127.0.0.1:${miPort}`, root: "mi" }, fifo: null },
    log: { level: "info", format: "json" },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
  };
  const configFile = join(dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, "w");
  const child = track(
    spawn(process.execPath, [UACREGD, "--config", configFile], {
      stdio: ["ignore", fd, fd],
      env: { ...process.env, TZ: "UTC" },
    }),
  );
  closeSync(fd);
  const node = { name, host, child, pid: child.pid, miPort, metricsPort, logFile, configFile };
  const end = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${readFileSync(logFile, "utf8")}`);
    if (readFileSync(logFile, "utf8").includes("registrant records loaded")) {
      try {
        await mi(miPort, "which");
        return node;
      } catch {}
    }
    if (Date.now() > end)
      throw new Error(`${name} did not load in 180 s:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
    await sleep(200);
  }
}

/**
 * What a node logged about the cluster so far, read incrementally (only the lines it needs are parsed: at 100,000
 * records a node logs several "state change" lines per record): its ownership changes { node, unit, reason, at },
 * its fences and its joins (log times, epoch ms).
 */
export function nodeLog(node) {
  node.read ??= { offset: 0, rest: "", changes: [], fences: [], joins: [] };
  const r = node.read;
  for (const l of appendedLines(node.logFile, r)) {
    if (!l.includes('"msg":"cluster: ')) continue;
    const e = JSON.parse(l);
    const at = Number(e.time);
    if (e.msg === "cluster: ownership changed") r.changes.push({ node: node.name, unit: e.unit, reason: e.reason, at });
    else if (e.msg.startsWith("cluster: fenced")) r.fences.push(at);
    else if (e.msg === "cluster: joined (new session)") r.joins.push(at);
  }
  return r;
}

/** Every "cluster: ownership changed" line of the nodes, in time order. */
export function ownershipChanges(nodes) {
  return nodes.flatMap((n) => nodeLog(n).changes).sort((a, b) => a.at - b.at);
}

/** Units per record index (docs/cluster.md §5, the daemon's own hash from @uacreg/cluster). */
export async function unitsOf(count, registrar) {
  const { unitOfRecord } = await importPkg("@uacreg/cluster");
  return Array.from({ length: count }, (_, i) => {
    const tag = tagOf(i);
    return unitOfRecord(
      {
        aor: `sip:u${i}@reg.test`,
        contact: `sip:u${i}@127.0.0.1:5099`,
        registrar,
        tag: tag === null ? undefined : { name: tag.split("/")[0], clusterId: 1 },
      },
      { buckets: 256, untagged: "shard" },
    );
  });
}

/**
 * Waits until every one of `count` records has an accepted REGISTER and no node logged an ownership change for
 * `quietMs`; rejects after `limitMs`. Resolves with the instant the last record was first registered.
 */
export async function waitSettled(nodes, log, count, quietMs, limitMs) {
  const end = Date.now() + limitMs;
  let lines = -1;
  let since = Date.now();
  for (;;) {
    log.poll();
    const changes = ownershipChanges(nodes).length;
    if (changes !== lines) {
      lines = changes;
      since = Date.now();
    }
    if (log.last.size === count && Date.now() - since >= quietMs) return;
    if (Date.now() > end) throw new Error(`not settled in ${limitMs} ms: ${log.last.size}/${count} registered`);
    for (const n of nodes)
      if (n.child.exitCode !== null)
        throw new Error(`${n.name} exited:\n${readFileSync(n.logFile, "utf8").slice(-3000)}`);
    await sleep(500);
  }
}

/** Record count per node from the registrar's view (last accepted REGISTER's source). */
export function recordsPerNode(log) {
  const out = {};
  for (const { node } of log.last.values()) out[node] = (out[node] ?? 0) + 1;
  return out;
}

/**
 * Item 2 and the double-registration check over the whole registrar log (docs/cluster.md §1, §4): a record's
 * takeover is the first REGISTER from the gaining node after each "gained" line for its unit; from then until the
 * next takeover, REGISTERs from any other node are counted (`nonOwner`), and those the registrar accepted
 * (`nonOwnerAccepted`, must be 0). `backwards`: accepted REGISTERs whose (Call-ID, CSeq) did not move forward.
 */
export function checkOwnership(log, changes, units) {
  const gainsOfUnit = new Map();
  for (const c of changes) {
    if (c.reason !== "gained") continue;
    const list = gainsOfUnit.get(c.unit) ?? [];
    list.push(c);
    gainsOfUnit.set(c.unit, list);
  }
  const byRecord = new Map();
  for (const e of log.entries) {
    const list = byRecord.get(e.i) ?? [];
    list.push(e);
    byRecord.set(e.i, list);
  }
  let nonOwner = 0;
  let nonOwnerAccepted = 0;
  let backwards = 0;
  let takeovers = 0;
  for (const [i, entries] of byRecord) {
    entries.sort((a, b) => a.at - b.at);
    const marks = [];
    for (const g of gainsOfUnit.get(units[i]) ?? []) {
      const first = entries.find((e) => e.at >= g.at && e.node === g.node && !e.retransmission);
      marks.push({ at: first?.at ?? g.at, node: g.node });
    }
    marks.sort((a, b) => a.at - b.at);
    takeovers += marks.length;
    let previous;
    for (const e of entries) {
      if (e.retransmission) continue;
      let owner;
      for (const m of marks) if (m.at <= e.at) owner = m;
      if (owner && owner.node !== e.node) {
        nonOwner++;
        if (e.accepted) nonOwnerAccepted++;
      }
      if (!e.accepted) continue;
      if (previous && previous.callId === e.callId && e.cseq <= previous.cseq) backwards++;
      previous = e;
    }
  }
  return { takeovers, nonOwner, nonOwnerAccepted, backwards };
}

/** `uacreg_cluster_*` series of a node's /metrics. */
export async function clusterMetrics(node) {
  const text = await (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^(uacreg_cluster_\S+) (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/**
 * A measured run of `opt.records` records on `opt.engine`: a temp dir, a database of its own, seeded, the registrar,
 * the statement proxies (`opt.proxy` 1) and the records' units, handed to `body` as ctx { dir, db, registrar, log,
 * proxies, units, nodes }; every child is stopped and the database dropped whatever happens. The dir is kept when
 * `body` sets `ctx.keep` (something to read).
 */
export async function measuredRun(tag, opt, body) {
  const ctx = { dir: tempDir(tag), db: await freshDatabase(opt.engine), nodes: [], keep: false };
  try {
    ctx.registrar = await startRegistrar(ctx.dir, opt.records);
    ctx.log = ctx.registrar.log;
    await seed(opt.engine, ctx.db.url, opt.records, ctx.registrar.uri);
    ctx.units = await unitsOf(opt.records, ctx.registrar.uri);
    ctx.proxies = await startProxies(opt.engine, ctx.db.url, NAMES, opt.proxy === 1);
    return await body(ctx);
  } finally {
    for (const n of ctx.nodes) await stopChild(n.child, "SIGKILL");
    await ctx.proxies?.close();
    await ctx.registrar?.stop();
    await ctx.db.drop();
    if (!ctx.keep) removeDir(ctx.dir);
  }
}

/** Runs `once(1…runs)` one after the other, printing each row as JSON, then all as a table; kills every child. */
export async function repeatRuns(runs, once) {
  const rows = [];
  try {
    for (let i = 1; i <= runs; i++) {
      const row = await once(i);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    killAll();
  }
  table(rows);
  return rows;
}
