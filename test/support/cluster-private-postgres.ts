/**
 * A PostgreSQL server of one test's own (initdb into a temp dir, run as the `postgres` user on a free loopback port), so
 * a test can stop and start it — a database restart — without touching the shared server other test files use at the
 * same time (issue 11 "Tests": database restart short and long, docs/cluster.md §3.8).
 */
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";

const run = promisify(execFile);
const BIN = process.env.UACREG_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** The private server could not be set up or driven (initdb, pg_ctl), with the tool's output. */
export class PrivatePostgresError extends Error {
  override readonly name = "PrivatePostgresError";
}

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl stop -m fast`: every connection is closed, new ones are refused until {@link start}. */
  stop(): Promise<void>;
  /** `pg_ctl start`, resolving once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its directory. */
  close(): Promise<void>;
}

/** As the `postgres` user (initdb and the server refuse to run as root). */
async function asPostgres(cmd: string, args: readonly string[]): Promise<void> {
  try {
    await run("runuser", ["-u", "postgres", "--", join(BIN, cmd), ...args]);
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string; message: string };
    throw new PrivatePostgresError(`${cmd} failed: ${out.message}\n${out.stdout ?? ""}${out.stderr ?? ""}`);
  }
}

/** initdb + start on a free port; the data directory and the socket live in one temp dir. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-pg-"));
  const { stdout } = await run("id", ["-u", "postgres"]);
  const uid = Number(stdout.trim());
  chownSync(dir, uid, uid);
  const data = join(dir, "data");
  const port = await freePort();
  await asPostgres("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  let running = false;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      await asPostgres("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "server.log"), "-w", "start"]);
      running = true;
    },
    async stop() {
      await asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      running = false;
    },
    async close() {
      if (running) await pg.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await pg.start();
  } catch (e) {
    await pg.close();
    throw e;
  }
  return pg;
}
