/**
 * Runs the real daemon (`apps/uacregd/dist/main.js`, so build first: `pnpm test` does) as a child process with a
 * YAML config in a temp dir, its records seeded into a fresh SQLite file (or the database you give), MI over HTTP
 * and FIFO on free ports. Talks to it the way an operator does: MI over HTTP, signals, its logs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import type { RegistrantRow } from "@uacreg/engine";
import { MiHttpClient, MiReplyError } from "@uacreg/mi";
import { stringify } from "yaml";
import { freePort } from "./free-port.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const UACREGD = join(REPO_ROOT, "apps/uacregd/dist/main.js");
export const UACREG_CLI = join(REPO_ROOT, "apps/uacreg/dist/main.js");

export interface UacregdOptions {
  rows?: RegistrantRow[];
  /** `registrant:` keys (OpenSIPS names); defaults: hash_size 1, timer_interval 10. */
  registrant?: Record<string, unknown>;
  /**
   * `tm:` keys; none by default, so fr_timeout is the daemon's 30 s: on a loaded CI host a registrar in the test
   * process can stall for seconds (a synchronous module load, GC), and a test not about timeouts must not time out.
   */
  tm?: Record<string, unknown>;
  /** Extra top-level keys, merged last (e.g. `metrics`, `clustering`). */
  extra?: Record<string, unknown>;
  /** A db_url to use instead of a fresh SQLite file (its table must exist). */
  dbUrl?: string;
  /**
   * Listen sockets; default one UDP socket on a free loopback port. As a function it gets that port (`sipPort`),
   * fresh on each of startUacregd's attempts, so a port taken before the bind is retried on another one.
   */
  listen?: string[] | ((sipPort: number) => string[]);
}

export interface RegListRecord {
  AOR: string;
  expires: number;
  state: string;
  enabled: "yes" | "no";
  last_register_sent: string;
  registration_t_out: string;
  registrar: string;
  binding: string;
  [k: string]: unknown;
}

export interface MiErrorReply {
  code: number;
  message: string;
  data?: string;
}

export class MiCallError extends Error {
  constructor(readonly error: MiErrorReply) {
    super(`MI error ${error.code} ${error.message}${error.data ? `: ${error.data}` : ""}`);
  }
}

export interface Uacregd {
  readonly dir: string;
  readonly configFile: string;
  readonly dbUrl: string;
  readonly sipPort: number;
  readonly miPort: number;
  readonly miUrl: string;
  readonly fifoPath: string;
  readonly process: ChildProcess;
  /** Every line the daemon wrote to stdout/stderr so far. */
  logs(): string[];
  /** JSON-RPC over HTTP; resolves with `result`, rejects with MiCallError on an error reply. */
  mi<T = unknown>(method: string, params?: unknown[] | Record<string, unknown>): Promise<T>;
  /** The raw HTTP exchange (status, headers, body bytes as text). */
  http(
    body: string | Buffer,
    opts?: { method?: string; path?: string; contentType?: string | null },
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>;
  list(): Promise<RegListRecord[]>;
  /** Polls reg_list until `pred` holds (default 100 ms apart); rejects with the last list after `timeoutMs`. */
  waitFor(pred: (records: RegListRecord[]) => boolean, timeoutMs: number): Promise<RegListRecord[]>;
  /** Sends a signal and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Uacregd>();

/** Default row: alice at 127.0.0.1, expiry 60, credentials alice/secret (the sipp scenarios' defaults). */
export function registrantRow(over: Partial<RegistrantRow> & { registrar: string }): RegistrantRow {
  return {
    proxy: null,
    aor: "sip:alice@reg.test",
    third_party_registrant: null,
    username: "alice",
    password: "secret",
    binding_URI: "sip:alice@127.0.0.1:5099",
    binding_params: null,
    expiry: 60,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
    ...over,
  };
}

/** The daemon could not bind one of its ports: another process took it between freePort() and the bind. */
export class UacregdPortTakenError extends Error {}

/**
 * Starts a daemon in its own temp dir (config, SQLite file, MI FIFO, FIFO reply dir) with its SIP and MI ports from
 * the OS, and resolves once the MI answers and the records are loaded. A port freePort() picked can be taken by
 * another process before the daemon binds it (test files run in parallel): the daemon then exits with EADDRINUSE
 * and is started again on fresh ports, up to 3 times.
 */
export async function startUacregd(opts: UacregdOptions = {}): Promise<Uacregd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startUacregdOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof UacregdPortTakenError)) throw e;
    }
  }
}

async function startUacregdOnce(opts: UacregdOptions): Promise<Uacregd> {
  const dir = mkdtempSync(join(tmpdir(), "uacregd-e2e-"));
  const sipPort = await freePort();
  const miPort = await freePort();
  const fifoPath = join(dir, "uacreg_fifo");
  const dbUrl = opts.dbUrl ?? `sqlite://${join(dir, "registrant.db")}`;
  if (!opts.dbUrl || opts.rows) {
    const repo = await openRepository(dbUrl, {}, [sqliteAdapter]);
    await repo.createSchema();
    for (const r of opts.rows ?? []) await repo.insert(r);
    await repo.close();
  }
  const config = {
    listen: typeof opts.listen === "function" ? opts.listen(sipPort) : (opts.listen ?? [`udp:127.0.0.1:${sipPort}`]),
    db_url: dbUrl,
    registrant: { hash_size: 1, timer_interval: 10, ...opts.registrant },
    tm: { ...opts.tm },
    mi: {
      http: { listen: `127.0.0.1:${miPort}`, root: "mi" },
      fifo: { path: fifoPath, reply_dir: `${dir}/`, mode: "0600" },
    },
    log: { level: "debug", format: "json" },
    metrics: null,
    ...opts.extra,
  };
  const configFile = join(dir, "uacreg.yaml");
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, [UACREGD, "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TZ: "UTC" },
  });
  const lines: string[] = [];
  // node:readline splits each stream into lines: a pipe read can end in the middle of a line (the daemon writes a
  // burst's lines in one write, which may exceed what one read returns) or of a UTF-8 character.
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on("line", (l) => l && lines.push(l));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );

  const miUrl = `http://127.0.0.1:${miPort}/mi`;
  const http: Uacregd["http"] = (body, o = {}) =>
    new Promise((resolveHttp, reject) => {
      const headers: Record<string, string | number> = { "content-length": Buffer.byteLength(body) };
      if (o.contentType !== null) headers["content-type"] = o.contentType ?? "application/json";
      // agent: false, a connection per exchange: Node 20 keeps connections alive by default, and reusing one just as
      // the server closes it for being idle fails the call with "socket hang up".
      const req = request(
        { host: "127.0.0.1", port: miPort, path: o.path ?? "/mi", method: o.method ?? "POST", headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolveHttp({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  // Commands go through the MI client of @uacreg/mi (one POST per call, Connection: close); http() stays raw for
  // the tests of the wire format itself.
  const client = new MiHttpClient({ url: miUrl });
  const mi = async <T>(method: string, params?: unknown[] | Record<string, unknown>): Promise<T> => {
    try {
      return (await client.call(method, params ?? {})) as T;
    } catch (e) {
      if (!(e instanceof MiReplyError)) throw e;
      const error: MiErrorReply = { code: e.code, message: e.message };
      if (e.data !== undefined) error.data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
      throw new MiCallError(error);
    }
  };
  const list = async () => (await mi<{ Records: RegListRecord[] }>("reg_list")).Records;

  const handle: Uacregd = {
    dir,
    configFile,
    dbUrl,
    sipPort,
    miPort,
    miUrl,
    fifoPath,
    process: child,
    logs: () => lines,
    mi,
    http,
    list,
    async waitFor(pred, timeoutMs) {
      const end = Date.now() + timeoutMs;
      let last: RegListRecord[] = [];
      for (;;) {
        last = await list();
        if (pred(last)) return last;
        if (Date.now() > end) {
          throw new Error(`timed out after ${timeoutMs} ms; reg_list: ${JSON.stringify(last, null, 1)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(signal = "SIGTERM", timeoutMs = 10_000) {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const r = await exited;
      clearTimeout(kill);
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
  running.add(handle);
  // Ready when the MI answers and the records are loaded (the engine logs "registrant records loaded"). The bound
  // only fails a daemon that never starts: a loaded machine starts it in a few seconds.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await handle.stop();
      const text = `uacregd exited with ${child.exitCode} at start-up:\n${lines.join("\n")}`;
      throw lines.some((l) => l.includes("EADDRINUSE")) ? new UacregdPortTakenError(text) : new Error(text);
    }
    if (lines.some((l) => l.includes("registrant records loaded"))) {
      try {
        await mi("which");
        break;
      } catch {
        // not yet
      }
    }
    if (Date.now() > deadline) {
      await handle.stop("SIGKILL");
      throw new Error(`uacregd did not start in 30 s:\n${lines.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return handle;
}

/** Stops every daemon still running (afterAll). */
export async function stopAllUacregd(): Promise<void> {
  await Promise.all([...running].map((d) => d.stop("SIGKILL")));
}
