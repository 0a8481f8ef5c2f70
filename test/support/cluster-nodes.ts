/**
 * N `uacregd` processes against ONE database, each sending SIP from its own loopback address (127.0.0.2, .3, …) so a
 * registrar can tell the nodes apart by source address (docs/cluster.md §1, issue 11 "Tests"). Built on
 * `startUacregd` (test/support/uacregd.ts): each node keeps its own MI port, temp dir, log lines; this file adds the
 * shared database, the per-node config fragment, signals, log waiting and a TCP proxy between a node and the
 * database (`startTcpFaultProxy` of `@uacreg/db/testing`).
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@uacreg/db";
import { type DemoRegistrar, type RegisterLogEntry, startDemoRegistrar } from "@uacreg/demo-registrar";
import { postgresAdapter } from "@uacreg/db-postgres";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { startTcpFaultProxy, type TcpFaultProxy } from "@uacreg/db/testing";
import type { RegistrantRow } from "@uacreg/engine";
import { freePort } from "./free-port.js";
import { REPO_ROOT, startUacregd, type Uacregd, UacregdPortTakenError } from "./uacregd.js";

/** A plain YAML mapping, passed through to the node's config file. */
export type ConfigFragment = Record<string, unknown>;

export interface ClusterNodeSpec {
  /** Node name (also the key of {@link Cluster.nodeOfSource}); default `node<i>` (1-based). */
  name?: string;
  /** This node's config on top of the cluster's `config` (deep-merged mappings; lists and scalars replace). The
   * future `cluster:` section goes here, e.g. `{ cluster: { backend: "db", node: "a" } }`. */
  config?: ConfigFragment;
  /** Put a TCP proxy between this node and the database (not for SQLite): see {@link ClusterNode.dbProxy}. */
  dbProxy?: boolean;
}

export interface ClusterOptions {
  /** How many nodes, or one spec each. Node i (0-based) listens on udp:127.0.0.<firstHost + i>. */
  nodes: number | readonly ClusterNodeSpec[];
  /** Rows seeded once into the shared database (its `registrant` table is created first). */
  rows?: readonly RegistrantRow[];
  /** The shared database; default a fresh SQLite file in the cluster's temp dir. postgres:// URLs are seeded through
   * `@uacreg/db-postgres`; other engines must be seeded by the caller (pass no rows). */
  dbUrl?: string;
  /** Config every node gets (deep-merged under each node's own `config`): `registrant`, `tm`, `enable_clustering`
   * lives under `registrant`, `clustering`, `cluster`, `log`, … */
  config?: ConfigFragment;
  /** Last octet of the first node's address; default 2 (127.0.0.2). */
  firstHost?: number;
  /** PostgreSQL only: a registrant table of this run's own, `<prefix>_<pid>_<random>`, set as every node's
   * `registrant.table_name` and dropped (with its `version` row) by `stop()`, so runs sharing the server never meet. */
  tablePrefix?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ClusterNode {
  readonly name: string;
  /** The address its SIP socket is bound to (the source address a registrar sees). */
  readonly address: string;
  readonly sipPort: number;
  /** The running daemon (MI, logs, reg_list polling: see test/support/uacregd.ts). */
  readonly daemon: Uacregd;
  /** The TCP proxy between this node and the database when its spec asked for one: `dropAll()` resets every
   * connection, `refuse(true)` refuses new ones. */
  readonly dbProxy: TcpFaultProxy | undefined;
  /** SIGKILL; resolves at the exit. */
  kill(): Promise<ExitStatus>;
  /** SIGTERM (graceful stop); resolves at the exit (SIGKILL after `timeoutMs`). */
  terminate(timeoutMs?: number): Promise<ExitStatus>;
  /** SIGSTOP: the process freezes, its sockets stay open. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Whether the process has exited. */
  exited(): boolean;
  /** Its log lines parsed as JSON (lines that are not JSON are left out). */
  logEntries(): Array<Record<string, unknown>>;
  /**
   * Resolves with the first log line from index `from` on (default 0) that matches: a RegExp on the raw line, or a
   * predicate on the parsed JSON entry. Rejects after `timeoutMs`, or at once if the process exited, with the tail
   * of the log.
   */
  waitForLog(
    match: RegExp | ((entry: Record<string, unknown>) => boolean),
    timeoutMs: number,
    from?: number,
  ): Promise<string>;
}

export interface Cluster {
  readonly nodes: readonly ClusterNode[];
  /** The shared database URL (the nodes without a proxy use it as is). */
  readonly dbUrl: string;
  /** The registrant table the nodes use (`registrant` unless configured or made from `tablePrefix`). */
  readonly tableName: string;
  node(name: string): ClusterNode;
  /** Source address → node name, the `nodeOf` input of `checkTakeover` (test/support/cluster-takeover-check.ts). */
  readonly nodeOfSource: ReadonlyMap<string, string>;
  /** Stops every node still running (SIGKILL), closes the proxies, removes the temp dir. */
  stop(): Promise<void>;
}

/** A cluster option that cannot work (e.g. a database proxy in front of a SQLite file). */
export class ClusterHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterHarnessError";
  }
}

const clusters = new Set<Cluster>();

/** Starts the nodes (in parallel) once the shared database holds the rows; resolves when every node has loaded its
 * records and answers MI. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-cluster-"));
  const dbUrl = opts.dbUrl ?? `sqlite://${join(dir, "registrant.db")}`;
  const specs: ClusterNodeSpec[] =
    typeof opts.nodes === "number" ? Array.from({ length: opts.nodes }, () => ({})) : [...opts.nodes];
  const first = opts.firstHost ?? 2;
  const proxies: TcpFaultProxy[] = [];
  const started: ClusterNode[] = [];
  const registrantConfig = opts.config?.registrant;
  const configured = isMapping(registrantConfig) ? registrantConfig.table_name : undefined;
  const ownTable = opts.tablePrefix === undefined ? undefined : `${opts.tablePrefix}_${process.pid}_${randomSuffix()}`;
  if (ownTable !== undefined && !isPostgres(dbUrl))
    throw new ClusterHarnessError("tablePrefix needs a postgres:// URL");
  const tableName = ownTable ?? (typeof configured === "string" ? configured : "registrant");
  const common =
    ownTable === undefined
      ? (opts.config ?? {})
      : deepMerge(opts.config ?? {}, { registrant: { table_name: ownTable } });
  const cleanup = async () => {
    await Promise.all(started.map((n) => (n.exited() ? undefined : n.kill())));
    await Promise.all(proxies.map((p) => p.close()));
    if (ownTable !== undefined) await dropPostgresTable(dbUrl, ownTable);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await seed(dbUrl, tableName, opts.rows ?? []);
    const nodes = await Promise.all(
      specs.map(async (spec, i) => {
        const name = spec.name ?? `node${i + 1}`;
        const address = `127.0.0.${first + i}`;
        let nodeDbUrl = dbUrl;
        let dbProxy: TcpFaultProxy | undefined;
        if (spec.dbProxy) {
          const target = tcpTarget(dbUrl);
          dbProxy = await startTcpFaultProxy(target.host, target.port);
          proxies.push(dbProxy);
          nodeDbUrl = target.through(dbProxy.port);
        }
        const merged = deepMerge(common, spec.config ?? {});
        const { registrant, tm, listen, ...extra } = merged;
        // startUacregd retries a port taken before the bind, but with the listen list given here it would retry the
        // same port: so a fresh one is picked here on UacregdPortTakenError.
        for (let attempt = 1; ; attempt++) {
          const sipPort = await freePort(address);
          try {
            const daemon = await startUacregd({
              dbUrl: nodeDbUrl,
              listen: Array.isArray(listen) ? (listen as string[]) : [`udp:${address}:${sipPort}`],
              ...(isMapping(registrant) ? { registrant } : {}),
              ...(isMapping(tm) ? { tm } : {}),
              extra,
            });
            const node = clusterNode(name, address, sipPort, daemon, dbProxy);
            started.push(node);
            return node;
          } catch (e) {
            if (attempt >= 3 || !(e instanceof UacregdPortTakenError)) throw e;
          }
        }
      }),
    );
    const cluster: Cluster = {
      nodes,
      dbUrl,
      tableName,
      node(name) {
        const n = nodes.find((x) => x.name === name);
        if (!n) throw new ClusterHarnessError(`no node named ${name}`);
        return n;
      },
      nodeOfSource: new Map(nodes.map((n) => [n.address, n.name])),
      async stop() {
        clusters.delete(cluster);
        await cleanup();
      },
    };
    clusters.add(cluster);
    return cluster;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Stops every cluster still running (afterAll). */
export async function stopAllClusters(): Promise<void> {
  await Promise.all([...clusters].map((c) => c.stop()));
}

function clusterNode(
  name: string,
  address: string,
  sipPort: number,
  daemon: Uacregd,
  dbProxy: TcpFaultProxy | undefined,
): ClusterNode {
  const child = daemon.process;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const entries = (lines: readonly string[]) =>
    lines.flatMap((l) => {
      try {
        const v: unknown = JSON.parse(l);
        return isMapping(v) ? [v] : [];
      } catch {
        return [];
      }
    });
  return {
    name,
    address,
    sipPort,
    daemon,
    dbProxy,
    kill: () => daemon.stop("SIGKILL"),
    terminate: (timeoutMs = 10_000) => daemon.stop("SIGTERM", timeoutMs),
    pause: () => {
      child.kill("SIGSTOP");
    },
    resume: () => {
      child.kill("SIGCONT");
    },
    exited,
    logEntries: () => entries(daemon.logs()),
    async waitForLog(match, timeoutMs, from = 0) {
      const test = (line: string) =>
        match instanceof RegExp ? match.test(line) : entries([line]).some((entry) => match(entry));
      const end = Date.now() + timeoutMs;
      for (let seen = from; ; ) {
        const lines = daemon.logs();
        for (; seen < lines.length; seen++) {
          const line = lines[seen] ?? "";
          if (test(line)) return line;
        }
        if (exited() || Date.now() > end) {
          const why = exited() ? "exited" : `no match in ${timeoutMs} ms`;
          throw new Error(`${name}: ${why} waiting for ${String(match)}; last lines:\n${lines.slice(-20).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const isPostgres = (dbUrl: string) => /^postgres(ql)?:/.test(dbUrl);

function randomSuffix(): string {
  return randomBytes(4).toString("hex");
}

async function seed(dbUrl: string, tableName: string, rows: readonly RegistrantRow[]): Promise<void> {
  const sqlite = dbUrl.startsWith("sqlite:");
  if (!sqlite && rows.length === 0) return;
  if (!sqlite && !isPostgres(dbUrl)) {
    throw new ClusterHarnessError("rows can be seeded into SQLite or PostgreSQL only: seed other engines yourself");
  }
  const repo = await openRepository(dbUrl, { tableName }, [sqliteAdapter, postgresAdapter]);
  try {
    await repo.createSchema();
    await repo.insertMany(rows);
  } finally {
    await repo.close();
  }
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

/** Drops a table of this run and its `version` row, with the `pg` driver of @uacreg/db-postgres (the repository has
 * no drop). */
export async function dropPostgresTable(dbUrl: string, table: string): Promise<void> {
  const require = createRequire(join(REPO_ROOT, "packages/db-postgres/package.json"));
  const { Client } = require("pg") as { Client: new (o: { connectionString: string }) => PgClient };
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.query("DELETE FROM version WHERE table_name = $1", [table]);
  } finally {
    await client.end();
  }
}

/** host:port of a network database URL, and the same URL pointed at a local proxy port. */
function tcpTarget(dbUrl: string): { host: string; port: number; through(port: number): string } {
  if (dbUrl.startsWith("sqlite:")) throw new ClusterHarnessError("a database proxy needs a network database");
  const url = new URL(dbUrl);
  const defaults: Record<string, number> = { "postgres:": 5432, "postgresql:": 5432, "mysql:": 3306, "mssql:": 1433 };
  const port = url.port === "" ? defaults[url.protocol] : Number(url.port);
  if (port === undefined) throw new ClusterHarnessError(`no default port for ${url.protocol}`);
  return {
    host: url.hostname,
    port,
    through(proxyPort) {
      const proxied = new URL(dbUrl);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(proxyPort);
      return proxied.toString();
    },
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` on top of `base`: mappings merge key by key, anything else replaces. */
function deepMerge(base: ConfigFragment, over: ConfigFragment): ConfigFragment {
  const out: ConfigFragment = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMapping(b) && isMapping(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/**
 * Polls `pred` every 100 ms until it holds; rejects after `ms` with `what()`. The bound only catches a broken daemon:
 * tests assert on what the registrar's log shows, never on how long this took.
 */
export async function pollUntil(pred: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A demo registrar (realm `reg.test`) that logs every REGISTER into `log` and answers 400 to a CSeq out of order
 * (RFC 3261 §10.3 step 7), the input of `checkTakeover` (test/support/cluster-takeover-check.ts).
 */
export async function startLoggingRegistrar(
  users: Record<string, string>,
): Promise<{ registrar: DemoRegistrar; log: RegisterLogEntry[] }> {
  const log: RegisterLogEntry[] = [];
  const registrar = await startDemoRegistrar({
    users,
    realm: "reg.test",
    outOfOrderStatus: 400,
    registerLog: (e) => log.push(e),
  });
  return { registrar, log };
}

/** A demo registrar in a child process (see {@link startRegistrarProcess}). */
export interface RegistrarProcess {
  readonly port: number;
  /** Every REGISTER logged so far (the file re-read on each call; a line being written is left out). */
  entries(): RegisterLogEntry[];
  close(): Promise<void>;
}

/**
 * The demo registrar as its own process (realm `reg.test`, 400 to a CSeq out of order), logging every REGISTER to a
 * JSON-lines file. Its `at` times are taken by a process that does nothing else, so they compare with the daemons' log
 * times to the millisecond; a registrar inside the test process stamps a request only when the test's own event loop
 * gets to it (hundreds of ms late while the test parses the daemons' logs).
 */
export async function startRegistrarProcess(users: Record<string, string>): Promise<RegistrarProcess> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-registrar-"));
  const file = join(dir, "register.jsonl");
  const main = join(REPO_ROOT, "packages/demo-registrar/dist/main.js");
  const args = [main, "--host", "127.0.0.1", "--port", "0", "--realm", "reg.test", "--out-of-order-status", "400"];
  for (const [user, password] of Object.entries(users)) args.push("--user", `${user}:${password}`);
  args.push("--quiet", "--register-log", file);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /listening on udp:[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.once("exit", (code) => reject(new ClusterHarnessError(`demo registrar exited with ${code}: ${out}`)));
  });
  return {
    port,
    entries() {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return [];
      }
      return text.split("\n").flatMap((line) => {
        try {
          return line ? [JSON.parse(line) as RegisterLogEntry] : [];
        } catch {
          return [];
        }
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
