/**
 * Secrets outside the YAML (issue 12; packages/config README "Secrets"): `UACREG_DB_URL` overrides the file's
 * `db_url`, `db_password_file` fills its password. Proven on the wire: a real PostgreSQL (trust authentication, so
 * the records load from the URL that results) and a stand-in server that asks for a cleartext password (so the
 * password the driver sends is the file's). The password never shows in the logs or in `--check-config` output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { dropPostgresTable } from "../support/cluster-nodes.js";
import { peerMissing } from "../support/required-peer.js";
import { registrantRow, UACREG_CLI, UACREGD } from "../support/uacregd.js";

const PASSWORD = `File-Pw-${randomBytes(4).toString("hex")}`;
const pgUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Run {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  waitLine(pred: (l: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** A config in a temp dir (db_url: a SQLite file the environment overrides) and the password file beside it. */
async function setUp(extra: Record<string, unknown>): Promise<{ dir: string; file: string; passwordFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-secrets-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const passwordFile = join(dir, "db-password");
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const file = join(dir, "uacreg.yaml");
  writeFileSync(
    file,
    stringify({
      // OS-chosen ports: a port probed free and bound later can be taken meanwhile by a parallel test file.
      listen: ["udp:127.0.0.1:0"],
      db_url: `sqlite://${join(dir, "not-this-one.db")}`,
      db_password_file: passwordFile,
      registrant: { hash_size: 1, timer_interval: 10 },
      mi: { http: { listen: "127.0.0.1:0" }, fifo: null },
      log: { level: "debug", format: "json" },
      metrics: null,
      ...extra,
    }),
  );
  return { dir, file, passwordFile };
}

function run(args: string[], env: Record<string, string>, bin = UACREGD): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const lines: string[] = [];
  const collect = (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    lines,
    exited,
    async waitLine(pred, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no such line:\n${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * A stand-in PostgreSQL server: answers the startup message with AuthenticationCleartextPassword (protocol 3,
 * message 'R' code 3), records the PasswordMessage ('p') it gets back, then refuses the login (FATAL 28P01).
 */
async function passwordCatcher(): Promise<{ server: Server; port: number; passwords: string[] }> {
  const passwords: string[] = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (!started) {
          if (buf.length < 4) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103) {
            socket.write("N"); // SSLRequest: no TLS
            continue;
          }
          started = true;
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
          continue;
        }
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) return;
        if (buf[0] === 0x70) passwords.push(buf.subarray(5, len).toString("utf8").replace(/\0$/, ""));
        buf = buf.subarray(len + 1);
        const fields = Buffer.from("SFATAL\0C28P01\0Mpassword authentication failed\0\0");
        const head = Buffer.alloc(5);
        head.write("E");
        head.writeInt32BE(fields.length + 4, 1);
        socket.end(Buffer.concat([head, fields]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const a = server.address();
  return { server, port: typeof a === "object" && a ? a.port : 0, passwords };
}

describe("db_url and its password from outside the YAML", () => {
  it("the driver sends the password of db_password_file to the server UACREG_DB_URL names", async () => {
    const catcher = await passwordCatcher();
    const { file } = await setUp({});
    const d = run(["--config", file], { UACREG_DB_URL: `postgres://uacreg@127.0.0.1:${catcher.port}/opensips` });
    await d.waitLine((l) => l.includes('"uacregd listening"'));
    // Refused credentials are not retried: one fatal line, exit 1.
    expect(await d.exited).toBe(1);
    expect(catcher.passwords).toEqual([PASSWORD]);
    const listening = JSON.parse(d.lines.find((l) => l.includes('"uacregd listening"'))!) as Record<string, string>;
    expect(listening.db_url).toBe(`postgres://uacreg:***@127.0.0.1:${catcher.port}/opensips`);
    expect(listening.db_url_source).toMatch(/^UACREG_DB_URL, password from db_password_file \/.*\/db-password$/);
    expect(d.lines.join("\n")).not.toContain(PASSWORD);
  });

  it("the records load from the PostgreSQL of UACREG_DB_URL, not the file's SQLite", async (ctx) => {
    const table = `reg_secrets_${process.pid}_${randomBytes(3).toString("hex")}`;
    try {
      const repo = await openRepository(pgUrl, { tableName: table }, [postgresAdapter], { retry: { attempts: 1 } });
      cleanups.push(() => dropPostgresTable(pgUrl, table));
      await repo.createSchema();
      await repo.insert(registrantRow({ registrar: "sip:127.0.0.1:9", aor: "sip:from-postgres@reg.test" }));
      await repo.close();
    } catch (e) {
      peerMissing(`PostgreSQL unreachable at ${pgUrl} (${(e as Error).message})`, "start it as .ci/run does");
      return ctx.skip();
    }
    const url = new URL(pgUrl);
    url.password = "";
    url.username = url.username || "postgres";
    const { file } = await setUp({ registrant: { hash_size: 1, timer_interval: 10, table_name: table } });
    const d = run(["--config", file], { UACREG_DB_URL: url.toString() });
    const loaded = JSON.parse(await d.waitLine((l) => l.includes('"registrant records loaded"'))) as {
      loaded: number;
    };
    expect(loaded.loaded).toBe(1);
    const listening = JSON.parse(d.lines.find((l) => l.includes('"uacregd listening"'))!) as Record<string, string>;
    expect(listening.db_url).toMatch(/^postgres:\/\/[^:]+:\*\*\*@/);
    d.child.kill("SIGTERM");
    expect(await d.exited).toBe(0);
    expect(d.lines.join("\n")).not.toContain(PASSWORD);
  });

  it("--check-config names the key and never the password", async () => {
    const { file, dir } = await setUp({});
    // A URL that already has a password, and a password file: refused, naming db_password_file.
    const both = run(["--check-config", file], { UACREG_DB_URL: `postgres://u:${PASSWORD}x@db/x` });
    expect(await both.exited).toBe(2);
    expect(both.lines.join("\n")).toContain(
      "config: db_password_file: UACREG_DB_URL already has a password: give it in one place only",
    );
    expect(both.lines.join("\n")).not.toContain(PASSWORD);
    // The password file gone: refused, naming the key and the path.
    rmSync(join(dir, "db-password"));
    const gone = run(["--check-config", file], { UACREG_DB_URL: "postgres://u@db/x" });
    expect(await gone.exited).toBe(2);
    expect(gone.lines.join("\n")).toContain("config: db_password_file: cannot read the file (ENOENT)");
    // A valid one: ok, and the URL with the file's password is never printed.
    writeFileSync(join(dir, "db-password"), `${PASSWORD}\n`);
    const ok = run(["--check-config", file], { UACREG_DB_URL: "postgres://u@db/x?connect_timeout=5" });
    expect(await ok.exited).toBe(0);
    expect(ok.lines.join("\n")).not.toContain(PASSWORD);
  });

  it("uacreg resolves db_url the same way: UACREG_DB_URL over the file", async () => {
    const { file, dir } = await setUp({ db_password_file: undefined });
    const envDb = join(dir, "from-env.db");
    const create = run(["db", "create", "--config", file], { UACREG_DB_URL: `sqlite://${envDb}` }, UACREG_CLI);
    expect(await create.exited).toBe(0);
    expect(existsSync(envDb)).toBe(true);
    expect(existsSync(join(dir, "not-this-one.db"))).toBe(false);
  });
});
