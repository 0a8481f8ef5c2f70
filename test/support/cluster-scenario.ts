/**
 * One clustering scenario of issue 11 "Tests" (docs/cluster.md §1, §3.7, §4): a database of the run's own on the
 * shared PostgreSQL or MariaDB server, 1,000 records over 4 sharing tags and untagged ones (hash buckets), seeded as an
 * operator does (`uacreg db create`, `db import`), a demo registrar in its own process (`startRegistrarProcess`: its
 * arrival times compare with the nodes' log times) logging every REGISTER and answering 400 to a CSeq out of order (RFC 3261 §10.3 step 7), and three `uacregd` on 127.0.0.2/.3/.4 with `cluster.backend: db`, timing
 * `fast` (test/support/cluster-nodes.ts). The scenario then reads the registrar's log with `checkTakeover`
 * (test/support/cluster-takeover-check.ts), the takeovers being the gains the nodes logged.
 */
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { FAST_LEASE_TIMING, unitOfRecord } from "@uacreg/cluster";
import type { TcpFaultProxy } from "@uacreg/db/testing";
import type { RegisterLogEntry } from "@uacreg/demo-registrar";
import {
  type Cluster,
  type ClusterNode,
  type ConfigFragment,
  pollUntil,
  startCluster,
  type RegistrarProcess,
  startRegistrarProcess,
} from "./cluster-nodes.js";
import {
  checkTakeover,
  type ReRegistrationEvent,
  recordKey,
  type Takeover,
  type TakeoverCheckReport,
} from "./cluster-takeover-check.js";
import { REPO_ROOT, UACREG_CLI } from "./uacregd.js";

const run = promisify(execFile);
export const PG_URL = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.UACREG_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export type Engine = "postgres" | "mariadb";

/** The `fast` profile (docs/cluster.md §3): L 6 s, R 2 s, M 1 s, P 1 s. */
export const FAST = FAST_LEASE_TIMING;
export const TAGS = ["t0/1", "t1/1", "t2/1", "t3/1"] as const;
export const BUCKETS = 16;
export const TAKEOVER_RATE = 1000;
/** Records per scenario: issue 11's 1,000 over 4 sharing tags and untagged ones (hash buckets). */
export const SCENARIO_RECORDS = 1000;

/** One registrant row: the user is also the digest username (password `pw-<user>`). */
export interface Row {
  user: string;
  aor: string;
  binding: string;
  tag: string | null;
}

/** `n` rows, every other one tagged (round robin over {@link TAGS}), the others untagged. */
export function scenarioRows(n: number, prefix = "u"): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    user: `${prefix}${i}`,
    aor: `sip:${prefix}${i}@reg.test`,
    binding: `sip:${prefix}${i}@127.0.0.1:5099`,
    tag: i % 2 === 0 ? (TAGS[(i / 2) % TAGS.length] ?? null) : null,
  }));
}

/** The unit of a row registering to `registrar` (docs/cluster.md §5: its tag, or its bucket of {@link BUCKETS}). */
export function unitOfRow(r: Row, registrar: string): string {
  const tag = r.tag === null ? undefined : { name: r.tag.split("/")[0] ?? "", clusterId: 1 };
  return (
    unitOfRecord({ aor: r.aor, contact: r.binding, registrar, tag }, { buckets: BUCKETS, untagged: "shard" }) ?? ""
  );
}

export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

/** The server's own driver, from the adapter package that depends on it. */
export async function adminClient(engine: Engine, url: string): Promise<SqlClient> {
  if (engine === "postgres") {
    const require = createRequire(resolve(REPO_ROOT, "packages/db-postgres/package.json"));
    const { Client } = require("pg") as {
      Client: new (o: { connectionString: string }) => SqlClient & { connect(): Promise<void> };
    };
    const client = new Client({ connectionString: url });
    await client.connect();
    return client;
  }
  const require = createRequire(resolve(REPO_ROOT, "packages/db-mysql/package.json"));
  const mysql = require("mysql2/promise") as { createConnection(uri: string): Promise<SqlClient> };
  return mysql.createConnection(url);
}

export interface ScenarioDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A database of this run's own on the server of `base` (the cluster tables have fixed names), dropped by `drop`. */
export async function freshDatabase(engine: Engine, prefix: string, base?: string): Promise<ScenarioDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(16).slice(2, 10)}`;
  const server = base ?? (engine === "postgres" ? PG_URL : MYSQL_URL);
  const admin = await adminClient(engine, server);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await adminClient(engine, server);
      try {
        await c.query(engine === "postgres" ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The table and its rows through `uacreg db create` and `db import` (as an operator seeds any engine). */
export async function seedRows(dbUrl: string, registrar: string, rows: readonly Row[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-seed-"));
  try {
    const csv = join(dir, "rows.csv");
    const lines = rows.map((r) => [registrar, r.aor, r.user, `pw-${r.user}`, r.binding, 3600, r.tag ?? ""].join(","));
    writeFileSync(csv, `registrar,aor,username,password,binding_URI,expiry,cluster_shtag\n${lines.join("\n")}\n`);
    await run(process.execPath, [UACREG_CLI, "db", "create", "--db-url", dbUrl]);
    await run(process.execPath, [UACREG_CLI, "db", "import", csv, "--db-url", dbUrl]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An ownership change a node logged ("cluster: ownership changed"), at the log line's wall time. */
export interface OwnershipChange {
  node: string;
  unit: string;
  epoch: number | undefined;
  reason: string;
  at: number;
}

const parsed = new WeakMap<ClusterNode, { seen: number; changes: OwnershipChange[] }>();

/**
 * Every ownership change `node` logged; `clockOffsetMs` is taken off its log times (a node under faketime). Only the
 * lines logged since the last call are parsed (the tests poll this).
 */
export function ownershipChanges(node: ClusterNode, clockOffsetMs = 0): OwnershipChange[] {
  const cache = parsed.get(node) ?? { seen: 0, changes: [] };
  parsed.set(node, cache);
  const lines = node.daemon.logs();
  for (; cache.seen < lines.length; cache.seen++) {
    const line = lines[cache.seen] ?? "";
    if (!line.includes("cluster: ownership changed")) continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (typeof e.unit !== "string" || typeof e.reason !== "string") continue;
    const epoch = typeof e.epoch === "number" ? e.epoch : undefined;
    cache.changes.push({ node: node.name, unit: e.unit, epoch, reason: e.reason, at: Number(e.time) });
  }
  return cache.changes.map((c) => ({ ...c, at: c.at - clockOffsetMs }));
}

/** `cluster_status` as the tests read it (docs/cluster.md §7). */
export interface StatusReply {
  Node: { Name: string; State: string; Incarnation: string; "Trust left ms"?: number; "DB clock offset ms"?: number };
  Members: Array<{ Name: string; Live: boolean }>;
  Leases: Array<{ Unit: string; Owner: string | null; Records: number }>;
}

export interface ScenarioOptions {
  engine: Engine;
  /** Prefix of the database name (the helper's tag). */
  prefix: string;
  /** Node names, started together on 127.0.0.2, .3, …; default n1, n2, n3. */
  names?: readonly string[];
  records?: number;
  /** The rows instead of {@link scenarioRows}(`records`). */
  rows?: readonly Row[];
  /** Config on top of the scenario's (`cluster:` mappings merge key by key; other sections replace). */
  config?: ConfigFragment;
  /** A node's own config, on top of `config` (deep-merged). */
  nodeConfig?: Readonly<Record<string, ConfigFragment>>;
  /** These nodes reach the database through a TCP fault proxy ({@link ClusterNode.dbProxy}). */
  proxied?: readonly string[];
  /** The database server (default the shared one of `engine`). */
  server?: string;
  /** The registrar's SIP URI when it is not the demo registrar (its log then stays empty). */
  registrarUri?: string;
}

/** A running scenario: database, registrar, nodes, and the readings of the registrar's log. */
export interface Scenario {
  readonly db: ScenarioDatabase;
  readonly rows: readonly Row[];
  /** Every REGISTER the demo registrar received so far (its log file read again). */
  readonly log: readonly RegisterLogEntry[];
  readonly registrarUri: string;
  /** Every node started so far (also those added later). */
  readonly nodes: ClusterNode[];
  /** Source address → node name, for `checkTakeover`. */
  readonly nodeOfSource: Map<string, string>;
  node(name: string): ClusterNode;
  /**
   * Starts more nodes on the same database, from 127.0.0.<firstHost>, with `env` added to their environment (e.g.
   * libfaketime's LD_PRELOAD and FAKETIME: set in this test process only while they are spawned, then restored).
   */
  addNodes(
    names: readonly string[],
    firstHost: number,
    config?: ConfigFragment,
    env?: Readonly<Record<string, string>>,
  ): Promise<ClusterNode[]>;
  keyOf(r: Row): string;
  unitOf(r: Row): string;
  /** The last REGISTER that changed the record's binding before `before` (default: any). */
  lastAccepted(r: Row, before?: number): RegisterLogEntry | undefined;
  /** The node (name) a log entry came from. */
  nodeOf(e: RegisterLogEntry | undefined): string | undefined;
  /**
   * Waits until no node logged an ownership change for `quietMs`, every node agrees on each unit's single owner, each
   * of `owners` (default every running node) owns a unit, and (at the demo registrar; with another registrar the
   * caller checks that) each record's last accepted REGISTER came from its unit's owner. Returns unit → owner.
   */
  settle(owners?: readonly string[], quietMs?: number, timeoutMs?: number): Promise<Map<string, string>>;
  /** The rows whose unit `owner` holds in `ownerOfUnit`. */
  recordsOf(owner: string, ownerOfUnit: ReadonlyMap<string, string>): Row[];
  /** Of `names`, the one owning the most records. */
  busiest(names: readonly string[], ownerOfUnit: ReadonlyMap<string, string>): string;
  /** Every ownership change logged so far, by every node (`offsets`: a node's clock offset). */
  changes(offsets?: Readonly<Record<string, number>>): OwnershipChange[];
  /** Waits until each row has a REGISTER accepted from one of `byNodes` at or after `since`. */
  waitBack(rows: readonly Row[], since: number, byNodes: readonly string[], timeoutMs: number): Promise<void>;
  /**
   * `checkTakeover` over the registrar's log. A takeover is a gain a node logged, effective from that node's first
   * REGISTER for the record after it, in the registrar's own order: the registrar stamps a request when it reads it,
   * and on a loaded machine that is later than it was sent, so a REGISTER the old owner sent before its handoff could
   * otherwise look accepted after the new owner's gain. Loopback UDP queues in send order, so whatever the old owner
   * sent before it let the unit go is read before the new owner's first REGISTER, and anything after it is a fault.
   */
  check(event?: ReRegistrationEvent, offsets?: Readonly<Record<string, number>>): TakeoverCheckReport;
  /** Kills the nodes still running, closes the registrar, drops the database. */
  stop(): Promise<void>;
}

/**
 * The failover bound of docs/cluster.md §3.7 for `records` records: L + 1.2·P + the takeover time, + `slackMs` for the
 * snapshot and claim statements and for a loaded CI host, whose processes (the registrar stamping arrivals included)
 * run late: at load 15 on 2 cores a run took 10.6 s against a 10.3 s bound with 3 s of slack.
 */
export function failoverDeadlineMs(records: number, slackMs = 5000, timing = FAST): number {
  return timing.leaseMs + 1.2 * timing.pollMs + Math.ceil((records / TAKEOVER_RATE) * 1000) + slackMs;
}

/** Starts the database, the registrar and the nodes; stops what started if a step fails. */
export async function startScenario(opts: ScenarioOptions): Promise<Scenario> {
  const rows = opts.rows ?? scenarioRows(opts.records ?? SCENARIO_RECORDS);
  const db = await freshDatabase(opts.engine, opts.prefix, opts.server);
  let registrar: RegistrarProcess | undefined;
  const clusters: Cluster[] = [];
  const stop = async () => {
    await Promise.all(clusters.map((c) => c.stop()));
    await registrar?.close();
    await db.drop();
  };
  try {
    let registrarUri = opts.registrarUri;
    if (registrarUri === undefined) {
      registrar = await startRegistrarProcess(Object.fromEntries(rows.map((r) => [r.user, `pw-${r.user}`])));
      registrarUri = `sip:127.0.0.1:${registrar.port}`;
    }
    const demo = registrar;
    await seedRows(db.url, registrarUri, rows);
    const base: ConfigFragment = {
      registrant: { enable_clustering: true, hash_size: 1, timer_interval: 10 },
      cluster: { backend: "db", timing: "fast", buckets: BUCKETS, takeover_rate: TAKEOVER_RATE },
    };
    const nodes: ClusterNode[] = [];
    const nodeOfSource = new Map<string, string>();
    const start = async (
      names: readonly string[],
      firstHost: number,
      config: ConfigFragment = {},
      env: Readonly<Record<string, string>> = {},
    ) => {
      const { cluster: over, ...sections } = config;
      const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
      Object.assign(process.env, env);
      const cluster = await startCluster({
        nodes: names.map((name) => {
          const { cluster: own, ...ownSections } = opts.nodeConfig?.[name] ?? {};
          const clusterSection = { ...(isMapping(over) ? over : {}), ...(isMapping(own) ? own : {}), node_name: name };
          return {
            name,
            config: { ...sections, ...ownSections, cluster: clusterSection },
            dbProxy: opts.proxied?.includes(name) ?? false,
          };
        }),
        dbUrl: db.url,
        config: base,
        firstHost,
      }).finally(() => {
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      });
      clusters.push(cluster);
      nodes.push(...cluster.nodes);
      for (const [source, name] of cluster.nodeOfSource) nodeOfSource.set(source, name);
      return [...cluster.nodes];
    };
    await start(opts.names ?? ["n1", "n2", "n3"], 2, opts.config);

    const keyOf = (r: Row) => recordKey(r.aor, r.binding);
    const unitOf = (r: Row) => unitOfRow(r, registrarUri);
    const nodeOf = (e: RegisterLogEntry | undefined) => nodeOfSource.get(e?.source.split(":")[0] ?? "");
    // The log as last read, and record → the REGISTERs that changed its binding, in log order (indexed as it grows).
    let log: RegisterLogEntry[] = [];
    const accepted = new Map<string, RegisterLogEntry[]>();
    const refresh = () => {
      const all = demo?.entries() ?? [];
      for (const e of all.slice(log.length)) {
        if (!e.changed) continue;
        for (const c of e.contacts) {
          const key = recordKey(e.aor, c.uri);
          accepted.set(key, [...(accepted.get(key) ?? []), e]);
        }
      }
      log = all;
      return log;
    };
    const acceptedOf = (r: Row) => accepted.get(keyOf(r)) ?? [];
    const lastAccepted = (r: Row, before = Number.POSITIVE_INFINITY) => acceptedOf(r).findLast((e) => e.at < before);
    const changes = (offsets: Readonly<Record<string, number>> = {}) =>
      nodes.flatMap((n) => ownershipChanges(n, offsets[n.name] ?? 0));
    const running = () => nodes.filter((n) => !n.exited());
    const scenario: Scenario = {
      db,
      rows,
      get log() {
        return refresh();
      },
      registrarUri,
      nodes,
      nodeOfSource,
      node(name) {
        const n = nodes.find((x) => x.name === name);
        if (!n) throw new Error(`no node named ${name}`);
        return n;
      },
      addNodes: start,
      keyOf,
      unitOf,
      lastAccepted(r, before) {
        refresh();
        return lastAccepted(r, before);
      },
      nodeOf,
      async settle(owners, quietMs = 3000, timeoutMs = 60_000) {
        const wanted = owners ?? running().map((n) => n.name);
        let settled = { lines: -1, since: Date.now() };
        let ownerOfUnit = new Map<string, string>();
        let why = "ownership still changing";
        const not = (reason: string) => {
          why = reason;
          return false;
        };
        await pollUntil(
          async () => {
            const lines = changes().length;
            if (lines !== settled.lines) settled = { lines, since: Date.now() };
            if (Date.now() - settled.since < quietMs) return false;
            const views = await Promise.all(running().map((n) => n.daemon.mi<StatusReply>("cluster_status")));
            const maps = views.map((v) => new Map(v.Leases.map((l) => [l.Unit, l.Owner ?? ""])));
            ownerOfUnit = maps[0] ?? new Map();
            const same = (m: Map<string, string>) =>
              JSON.stringify([...m].sort()) === JSON.stringify([...ownerOfUnit].sort());
            if (!maps.every(same)) return not("the nodes disagree on the owners");
            const owned = new Set(ownerOfUnit.values());
            const idle = wanted.filter((name) => !owned.has(name));
            if (idle.length > 0) return not(`${idle.join(", ")} own nothing`);
            if (!demo) return true;
            refresh();
            const off = rows.filter((r) => nodeOf(lastAccepted(r)) !== ownerOfUnit.get(unitOf(r)));
            return (
              off.length === 0 || not(`${off.length} records not last registered by their owner, e.g. ${off[0]?.aor}`)
            );
          },
          timeoutMs,
          () => why,
        );
        return ownerOfUnit;
      },
      recordsOf: (owner, ownerOfUnit) => rows.filter((r) => ownerOfUnit.get(unitOf(r)) === owner),
      busiest(names, ownerOfUnit) {
        const count = (n: string) => rows.filter((r) => ownerOfUnit.get(unitOf(r)) === n).length;
        return [...names].sort((a, b) => count(b) - count(a))[0] ?? "";
      },
      changes,
      async waitBack(back, since, byNodes, timeoutMs) {
        const isBack = (r: Row) => acceptedOf(r).some((e) => e.at >= since && byNodes.includes(nodeOf(e) ?? ""));
        await pollUntil(
          () => refresh() && back.every(isBack),
          timeoutMs,
          () => `re-registered ${back.filter(isBack).length}/${back.length}`,
        );
      },
      check(event, offsets) {
        const entries = refresh();
        const gains = changes(offsets).filter((c) => c.reason === "gained");
        const takeovers: Takeover[] = [];
        for (const r of rows) {
          const record = keyOf(r);
          const sent = entries.filter((e) => e.contacts.some((c) => recordKey(e.aor, c.uri) === record));
          for (const g of gains) {
            if (g.unit !== unitOf(r)) continue;
            const first = sent.find((e) => e.at >= g.at && nodeOf(e) === g.node);
            takeovers.push({ record, at: first?.at ?? g.at, owner: g.node });
          }
        }
        return checkTakeover({ entries, nodeOf: nodeOfSource, takeovers, ...(event ? { event } : {}) });
      },
      stop,
    };
    return scenario;
  } catch (e) {
    await stop();
    throw e;
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What {@link awaitFailover} measured. */
export interface Failover {
  report: TakeoverCheckReport;
  deadlineMs: number;
  /** One line of figures for the test's output. */
  summary: string;
}

/**
 * Waits until every record of `lost` (the records `victim` owned when the fault hit at `at`) has a REGISTER accepted
 * from one of `survivors`, then checks the registrar's log: each within the failover bound (docs/cluster.md §3.7),
 * nothing went backwards, and no node other than its owner changed a binding after its takeover (§1).
 */
export async function awaitFailover(
  s: Scenario,
  fault: {
    at: number;
    victim: string;
    survivors: readonly string[];
    lost: readonly Row[];
    offsets?: Record<string, number>;
  },
): Promise<Failover> {
  const deadlineMs = failoverDeadlineMs(fault.lost.length);
  await s.waitBack(fault.lost, fault.at, fault.survivors, deadlineMs + 10_000);
  const report = s.check(
    { at: fault.at, deadlineMs, node: fault.victim, byNodes: fault.survivors, records: fault.lost.map(s.keyOf) },
    fault.offsets,
  );
  const summary =
    `${fault.victim} (${fault.lost.length} of ${s.rows.length} records): failover median ` +
    `${report.failover?.medianMs} ms, max ${report.failover?.maxMs} ms (bound ${deadlineMs} ms); ` +
    `REGISTERs from a non-owner after a takeover ${report.nonOwnerRegisters} (accepted: ` +
    `${report.violations.filter((v) => v.kind === "non-owner-accepted").length})`;
  return { report, deadlineMs, summary };
}

const CUT_NAMES = ["n1", "n2", "n3"];
const CUT_SURVIVORS = ["n2", "n3"];

/**
 * Cuts n1 (of n1, n2, n3) from the database with `cut` while it still reaches the registrar (docs/cluster.md §3.3):
 * checks that it fences at its trust deadline, before any survivor claims one of its units, and the failover; keeps
 * the cut for L + 2 s in all (the fault), heals it with `heal`, waits for its rejoin. Returns a line of figures.
 */
export async function cutFromDatabase(s: Scenario, what: string, cut: () => void, heal: () => void): Promise<string> {
  const owners = await s.settle(CUT_NAMES);
  const lost = s.recordsOf("n1", owners);
  const lostUnits = new Set(lost.map(s.unitOf));
  const n1 = s.node("n1");
  const seen = n1.daemon.logs().length;
  const cutAt = Date.now();
  cut();
  const fenceLine = await n1.waitForLog(/cluster: fenced, every unit stopped/, FAST.leaseMs + 5000, seen);
  const fencedAt = Number((JSON.parse(fenceLine) as { time: number }).time);
  const failover = await awaitFailover(s, { at: cutAt, victim: "n1", survivors: CUT_SURVIVORS, lost });
  // Its trust deadline: at most L − M after its last renew was sent (before the cut), and before any survivor claimed
  // one of its units (docs/cluster.md §3.3).
  expect(fencedAt - cutAt).toBeLessThanOrEqual(FAST.leaseMs - FAST.marginMs + 1000);
  const claims = s.changes().filter((c) => c.reason === "gained" && c.node !== "n1" && lostUnits.has(c.unit));
  expect(claims.length).toBeGreaterThanOrEqual(lostUnits.size);
  expect(Math.min(...claims.filter((c) => c.at > cutAt).map((c) => c.at))).toBeGreaterThan(fencedAt);
  expect(failover.report.violations).toEqual([]);
  expect(failover.report.failover?.count).toBe(lost.length);
  // The cut lasts until the survivors have the records (the fault's duration), then heals: n1 joins again.
  await sleep(Math.max(0, cutAt + FAST.leaseMs + 2000 - Date.now()));
  const healedAt = Date.now();
  heal();
  await n1.waitForLog(/cluster: joined \(new session\)/, 20_000, seen);
  const back = await s.settle(CUT_NAMES);
  expect(s.recordsOf("n1", back).length).toBeGreaterThan(0);
  return `${what}: fenced ${fencedAt - cutAt} ms after the cut; ${failover.summary}; rejoined and settled ${Date.now() - healedAt} ms after the heal`;
}

/**
 * The whole database-cut scenario on `engine`: n1, n2, n3 with n1 behind a TCP fault proxy, {@link cutFromDatabase}
 * with the proxy's `cut` and `heal`, then the registrar's whole log checked; prints the figures.
 */
export async function databaseCutScenario(
  engine: Engine,
  what: string,
  fault: (proxy: TcpFaultProxy) => { cut(): void; heal(): void },
): Promise<void> {
  const s = await startScenario({ engine, prefix: `k_${what}`, names: CUT_NAMES, proxied: ["n1"] });
  try {
    const proxy = s.node("n1").dbProxy;
    if (!proxy) throw new Error("n1 has no database proxy");
    const { cut, heal } = fault(proxy);
    const figures = await cutFromDatabase(s, what, cut, heal);
    // Over the cut and the rejoin: no REGISTER from a non-owner accepted, no binding went backwards.
    expect(s.check().violations).toEqual([]);
    console.log(`${engine} ${figures}`);
  } finally {
    await s.stop();
  }
}
