/**
 * A real Kamailio 5.6 registrar as a child process, for the end-to-end tests.
 *
 * Each instance gets a temporary directory holding its generated config (from test/kamailio/registrar.cfg), its pid
 * file, its runtime dir and a fresh SQLite database created from Kamailio's own schema files
 * (/usr/share/kamailio/db_sqlite, package kamailio-sqlite-modules) with better-sqlite3 (the workspace's SQLite driver,
 * resolved from @uacreg/db-sqlite). Digest credentials are checked by auth_db against the `subscriber` table;
 * bindings are written through to the `location` table (usrloc db_mode 1), which locations() reads.
 *
 * The digest algorithm is a module parameter of Kamailio's auth module, so one instance speaks one algorithm:
 * start a second instance for the other one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.js";
import { udpPortBound } from "./sipp.js";

const KAMAILIO_BIN = process.env.UACREG_KAMAILIO ?? "/usr/sbin/kamailio";
const MODULE_DIR = process.env.UACREG_KAMAILIO_MODULES ?? "/usr/lib/x86_64-linux-gnu/kamailio/modules/";
const SCHEMA_DIR = process.env.UACREG_KAMAILIO_SCHEMA ?? "/usr/share/kamailio/db_sqlite";
const CONFIG_TEMPLATE = resolve(import.meta.dirname, "../kamailio/registrar.cfg");

export interface KamailioSubscriber {
  username: string;
  /** The realm: Kamailio challenges with realm = the To (AOR) domain. */
  domain: string;
  password: string;
}

export interface KamailioOptions {
  subscribers: KamailioSubscriber[];
  /** Digest algorithm of the challenges and of the verification. Default "MD5". */
  algorithm?: "MD5" | "SHA-256";
  host?: string;
  port?: number;
  /** registrar min_expires. Default 10. */
  minExpires?: number;
  /** registrar max_expires. Default 3600. */
  maxExpires?: number;
  /** registrar default_expires. Default 3600. */
  defaultExpires?: number;
  /** true: a REGISTER below minExpires gets 423 + Min-Expires; false: Kamailio raises the expiry silently. Default true. */
  rejectBelowMinExpires?: boolean;
  /** auth nonce_expire in seconds. Default 300. */
  nonceExpire?: number;
  /** Kamailio debug level (stderr). Default 2 (INFO). */
  debug?: number;
}

/** One row of usrloc's `location` table. */
export interface KamailioBinding {
  /** AOR user part (usrloc runs without use_domain). */
  username: string;
  contact: string;
  /** Absolute expiry, epoch seconds. */
  expiresAt: number;
  /** Seconds left when read (may be <= 0 until usrloc's timer removes it). */
  expiresIn: number;
  callId: string;
  cseq: number;
  userAgent: string;
  /** `+sip.instance` and `reg-id` of the binding (RFC 5626), if the REGISTER carried them. */
  instance: string | null;
  regId: number;
  /** Where the REGISTER came from, e.g. "udp:127.0.0.1:5060". */
  received: string | null;
}

interface SqliteStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  pragma(sql: string): unknown;
  close(): void;
}
type SqliteCtor = new (
  path: string,
  opts?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => SqliteDatabase;

let sqliteCtor: SqliteCtor | undefined;
function openSqlite(path: string, readonly = false): SqliteDatabase {
  if (!sqliteCtor) {
    const require = createRequire(resolve(import.meta.dirname, "../../packages/db-sqlite/package.json"));
    sqliteCtor = require("better-sqlite3") as SqliteCtor;
  }
  return new sqliteCtor(path, { readonly, fileMustExist: readonly, timeout: 2000 });
}

const running = new Set<Kamailio>();

/** A running Kamailio registrar. */
export class Kamailio {
  readonly host: string;
  readonly port: number;
  readonly algorithm: "MD5" | "SHA-256";
  readonly dir: string;
  readonly dbPath: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrText = "";

  private constructor(host: string, port: number, algorithm: "MD5" | "SHA-256", dir: string) {
    this.host = host;
    this.port = port;
    this.algorithm = algorithm;
    this.dir = dir;
    this.dbPath = join(dir, "kamailio.db");
    const args = [
      "-f",
      join(dir, "kamailio.cfg"),
      "-DD", // stay in the foreground (still forks its workers)
      "-E", // log to stderr
      "-w",
      dir,
      "-P",
      join(dir, "kamailio.pid"),
      "-Y",
      dir,
      "-n",
      "1",
      "-m",
      "32",
      "-M",
      "8",
    ];
    this.child = spawn(KAMAILIO_BIN, args, {
      cwd: dir,
      env: { ...process.env, TZ: "UTC" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderrText += chunk;
      if (this.stderrText.length > 2_000_000) this.stderrText = this.stderrText.slice(-1_000_000);
    });
    this.exited = new Promise((r) => {
      this.child.once("exit", (code, signal) => r({ code, signal }));
      this.child.once("error", (err) => {
        this.stderrText += `\nspawn error: ${err.message}`;
        r({ code: -1, signal: null });
      });
    });
    running.add(this);
  }

  /**
   * Creates the database and config, starts Kamailio, and resolves once it listens. Its port comes from the OS
   * (unless given) and its config, pid file, runtime dir and database live in its own temp dir, so instances in test
   * files running at the same time share nothing. If another process took the port before Kamailio bound it, it is
   * started again on a fresh port, up to 3 times.
   */
  static async start(opts: KamailioOptions): Promise<Kamailio> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Kamailio.startOnce(opts);
      } catch (e) {
        if (attempt >= 3 || opts.port !== undefined || !(e instanceof KamailioPortTakenError)) throw e;
      }
    }
  }

  private static async startOnce(opts: KamailioOptions): Promise<Kamailio> {
    const host = opts.host ?? "127.0.0.1";
    const port = opts.port ?? (await freePort(host));
    const algorithm = opts.algorithm ?? "MD5";
    const dir = mkdtempSync(join(tmpdir(), "uacreg-kamailio-"));
    const dbPath = join(dir, "kamailio.db");

    const db = openSqlite(dbPath);
    try {
      // WAL: locations() reads never block Kamailio's write-through (a busy database would fail its usrloc write).
      db.pragma("journal_mode = WAL");
      for (const file of ["standard-create.sql", "auth_db-create.sql", "usrloc-create.sql"]) {
        db.exec(readFileSync(join(SCHEMA_DIR, file), "utf8"));
      }
      const insert = db.prepare("INSERT INTO subscriber (username, domain, password) VALUES (?, ?, ?)");
      for (const s of opts.subscribers) insert.run(s.username, s.domain, s.password);
    } finally {
      db.close();
    }

    const values: Record<string, string> = {
      DEBUG: String(opts.debug ?? 2),
      HOST: host,
      PORT: String(port),
      MPATH: MODULE_DIR,
      // four slashes: sqlite:// + an absolute path
      DB_URL: `sqlite:///${dbPath}`,
      ALGORITHM: algorithm,
      MIN_EXPIRES: String(opts.minExpires ?? 10),
      MAX_EXPIRES: String(opts.maxExpires ?? 3600),
      DEFAULT_EXPIRES: String(opts.defaultExpires ?? 3600),
      MIN_EXPIRES_MODE: opts.rejectBelowMinExpires === false ? "0" : "1",
      NONCE_EXPIRE: String(opts.nonceExpire ?? 300),
    };
    const config = readFileSync(CONFIG_TEMPLATE, "utf8").replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`registrar.cfg: no value for {{${name}}}`);
      return v;
    });
    writeFileSync(join(dir, "kamailio.cfg"), config);

    const kam = new Kamailio(host, port, algorithm, dir);
    await kam.waitListening();
    return kam;
  }

  /** Kamailio's stderr so far (its log). */
  get log(): string {
    return this.stderrText;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The bindings in usrloc's location table, for one AOR user or all. Passwords are never part of it. */
  locations(username?: string): KamailioBinding[] {
    const db = openSqlite(this.dbPath, true);
    try {
      const rows = db
        .prepare(
          "SELECT username, contact, expires, callid, cseq, user_agent, instance, reg_id, socket, received " +
            "FROM location" +
            (username === undefined ? "" : " WHERE username = ?") +
            " ORDER BY id",
        )
        .all(...(username === undefined ? [] : [username])) as Array<Record<string, unknown>>;
      const now = Date.now() / 1000;
      return rows.map((r) => {
        const expiresAt = sqliteTimeToEpoch(r.expires);
        return {
          username: String(r.username),
          contact: String(r.contact),
          expiresAt,
          expiresIn: Math.round(expiresAt - now),
          callId: String(r.callid),
          cseq: Number(r.cseq),
          userAgent: String(r.user_agent ?? ""),
          instance: r.instance == null || r.instance === "" ? null : String(r.instance),
          regId: Number(r.reg_id ?? 0),
          received: r.socket == null || r.socket === "" ? null : String(r.socket),
        };
      });
    } finally {
      db.close();
    }
  }

  /** Waits until `predicate(locations())` holds, polling every 50 ms; throws after `timeoutMs`. */
  async waitForLocations(
    predicate: (bindings: KamailioBinding[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<KamailioBinding[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const rows = this.locations();
      if (predicate(rows)) return rows;
      if (Date.now() > until) {
        throw new Error(`Kamailio location table did not reach the expected state: ${JSON.stringify(rows)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops Kamailio (SIGTERM, then SIGKILL after 3 s) and removes its directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.child.kill("SIGTERM");
      const hard = setTimeout(() => {
        if (this.alive) this.child.kill("SIGKILL");
      }, 3000);
      await this.exited;
      clearTimeout(hard);
    }
    running.delete(this);
    if (!process.env.UACREG_KEEP_KAMAILIO_DIR) rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL, synchronously (process exit hook). */
  killNow(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  private async waitListening(): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (!this.alive) {
        await this.exited;
        const log = this.stderrText;
        await this.stop();
        const text = `kamailio exited before listening:\n${log.slice(-4000)}`;
        throw /Address already in use/i.test(log) ? new KamailioPortTakenError(text) : new Error(text);
      }
      // The main process binds before forking the workers; wait for the pid file too, written once it is up.
      if (udpPortBound(this.host, this.port) && existsSync(join(this.dir, "kamailio.pid"))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    const log = this.stderrText;
    await this.stop();
    throw new Error(`kamailio did not listen on ${this.host}:${this.port} within 10 s:\n${log.slice(-4000)}`);
  }
}

/** Kamailio could not bind its port (taken by another process meanwhile); starting it again may work. */
export class KamailioPortTakenError extends Error {}

/** Starts a Kamailio registrar (see Kamailio.start). */
export function startKamailio(opts: KamailioOptions): Promise<Kamailio> {
  return Kamailio.start(opts);
}

/** Stops every Kamailio still running (use in afterAll). */
export async function stopAllKamailio(): Promise<void> {
  await Promise.all([...running].map((k) => k.stop()));
}

process.once("exit", () => {
  for (const k of running) k.killNow();
});

/**
 * db_sqlite stores usrloc's DATETIME columns as a Julian day number (REAL); older builds store text. Kamailio runs
 * with TZ=UTC, so text is read as UTC.
 */
function sqliteTimeToEpoch(v: unknown): number {
  if (typeof v === "number") return (v - 2440587.5) * 86400;
  const s = String(v);
  const n = Number(s);
  if (s !== "" && Number.isFinite(n)) return n > 1e6 && n < 1e7 ? (n - 2440587.5) * 86400 : n;
  return Date.parse(`${s.replace(" ", "T")}Z`) / 1000;
}
