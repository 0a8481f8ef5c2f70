/**
 * A database that is down at start-up: the daemon retries with a clear log line (URL masked), the MI answers
 * meanwhile (reg_list empty, commands that need the records a clear error), SIGTERM still exits 0; when the
 * database comes up (PostgreSQL behind a proxy that refuses first) the records load and register. And the metrics
 * endpoint: Prometheus text with uacreg_records{state="REGISTERED_STATE"} 1 after a registration.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { openRepository } from "@uacreg/db";
import { postgresAdapter } from "@uacreg/db-postgres";
import { startTcpFaultProxy, type TcpFaultProxy } from "@uacreg/db/testing";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { freePort } from "../support/free-port.js";
import { registrantRow, startUacregd, stopAllUacregd, UACREGD } from "../support/uacregd.js";
import { dropPostgresTable } from "../support/cluster-nodes.js";

const DB_PASSWORD = "Db-Down-Pw-5521";
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await stopAllUacregd();
  for (const c of cleanups.reverse()) await c();
});

interface Spawned {
  child: ChildProcess;
  lines: string[];
  miPort: number;
  metricsPort: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  mi(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
  waitLog(pred: (line: string) => boolean, ms: number): Promise<string>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The real daemon with a db_url of our choosing; ready once the MI listens (not once records are loaded). A port
 * freePort() picked can be taken by another test before the daemon binds it (`start-up failed` with EADDRINUSE):
 * then again on new ports, three times at most.
 */
async function spawnDaemon(dbUrl: string, registrant: Record<string, unknown> = {}): Promise<Spawned> {
  for (let attempt = 1; ; attempt++) {
    const s = await spawnOnce(dbUrl, registrant);
    // Generous bounds here and below: they only fail a daemon that never gets there (a loaded machine is slow).
    const line = await s.waitLog((l) => l.includes("uacregd listening") || l.includes("EADDRINUSE"), 30_000);
    if (!line.includes("EADDRINUSE")) return s;
    if (attempt === 3) throw new Error(`the daemon could not bind its ports three times: ${line}`);
    await s.exited;
  }
}

async function spawnOnce(dbUrl: string, registrant: Record<string, unknown>): Promise<Spawned> {
  const dir = mkdtempSync(join(tmpdir(), "uacregd-dbdown-"));
  const [sip, miPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const file = join(dir, "uacreg.yaml");
  writeFileSync(
    file,
    stringify({
      listen: [`udp:127.0.0.1:${sip}`],
      db_url: dbUrl,
      registrant: { hash_size: 1, timer_interval: 10, ...registrant },
      tm: { fr_timeout: 5 },
      mi: { http: { listen: `127.0.0.1:${miPort}` }, fifo: { path: join(dir, "fifo"), reply_dir: `${dir}/` } },
      log: { level: "debug", format: "json" },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
    }),
  );
  const child = spawn(process.execPath, [UACREGD, "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const collect = (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  let seq = 0;
  const s: Spawned = {
    child,
    lines,
    miPort,
    metricsPort,
    exited,
    mi: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ jsonrpc: "2.0", method, id: ++seq, params });
        const req = request(
          {
            host: "127.0.0.1",
            port: miPort,
            path: "/mi",
            method: "POST",
            headers: { "content-type": "application/json" },
            // A connection per call: a kept-alive one can be closed by the server as it is reused ("socket hang up").
            agent: false,
          },
          (res) => {
            let t = "";
            res.on("data", (c: Buffer) => {
              t += c.toString();
            });
            res.on("end", () => resolve(JSON.parse(t)));
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
    async waitLog(pred, ms) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no such log line in ${ms} ms:\n${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
  return s;
}

function scrape(port: number): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/metrics" }, (res) => {
      let t = "";
      res.on("data", (c: Buffer) => {
        t += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body: t }));
    }).on("error", reject);
  });
}

const pgUrl = process.env.UACREG_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

describe.concurrent("database down at start-up", () => {
  it("retries with a clear log line while the MI answers; no password logged; SIGTERM exits 0", async () => {
    const url = `postgres://postgres:${DB_PASSWORD}@127.0.0.1:1/test`;
    const d = await spawnDaemon(url);
    // The MI is up before the database.
    const list = await d.mi("reg_list");
    expect(list).toMatchObject({ result: { Records: [] } });
    const enable = await d.mi("reg_enable", ["sip:a@x", "sip:a@h", "sip:x"]);
    expect(enable.error).toEqual({ code: 503, message: "Registrant records not loaded yet (database unreachable)" });
    expect((await d.mi("reg_reload")).error?.message).toBe("Registrant records not loaded yet (database unreachable)");
    expect(
      (await d.mi("reg_upsert", ["sip:a@x", "sip:a@h", "sip:x", "", "", "", "", "", 60, "", "", 0])).error?.code,
    ).toBe(503);
    expect(await d.mi("which")).toHaveProperty("result");
    expect(await d.mi("uptime")).toHaveProperty("result");
    expect((await d.mi("reg_stats")).result).toEqual({ States: {}, Counters: {} });

    const line = await d.waitLog((l) => l.includes('"msg":"database unreachable"'), 30_000);
    const o = JSON.parse(line) as { level: number; db_url: string; err: string; retryInMs: number };
    expect(o.db_url).toBe("postgres://postgres:***@127.0.0.1:1/test");
    expect(o.err).toMatch(/ECONNREFUSED/);
    expect(o.retryInMs).toBeGreaterThan(0);
    // It keeps retrying: a second line comes with a longer delay.
    const second = await d.waitLog((l) => l.includes('"msg":"database unreachable"') && l !== line, 30_000);
    expect((JSON.parse(second) as { retryInMs: number }).retryInMs).toBeGreaterThan(o.retryInMs);
    expect((await d.mi("reg_list")).result).toEqual({ Records: [] });
    const m = await scrape(d.metricsPort);
    expect(m.body).toMatch(/^uacreg_db_errors_total\{operation="open"\} [1-9]\d*$/m);

    expect(await d.stop()).toEqual({ code: 0, signal: null });
    expect(d.lines.join("\n")).not.toContain(DB_PASSWORD);
  });

  it("a database error that retrying cannot fix: one fatal line (URL masked), exit 1", async (ctx) => {
    const bad = new URL(pgUrl);
    bad.username = "postgres";
    bad.password = DB_PASSWORD;
    bad.pathname = "/uacreg_no_such_database";
    const d = await spawnDaemon(bad.toString());
    // Either it exits (the error cannot be fixed by retrying) or it logs that it retries (no PostgreSQL at all).
    const r = await Promise.race([
      d.exited,
      d
        .waitLog((l) => l.includes('"msg":"database unreachable"'), 30_000)
        .then(
          () => "running" as const,
          () => "running" as const,
        ),
    ]);
    if (r === "running" && d.lines.some((l) => l.includes('"msg":"database unreachable"'))) {
      // No PostgreSQL at all: that is the retry case above, not this one.
      await d.stop();
      if (process.env.UACREG_REQUIRE_SERVERS === "1") throw new Error(`PostgreSQL unreachable at ${pgUrl}`);
      console.warn(`\n!!! SKIPPED: PostgreSQL unreachable at ${pgUrl}\n`);
      ctx.skip();
      return;
    }
    expect(r).toEqual({ code: 1, signal: null });
    const fatal = d.lines.filter((l) => l.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    const o = JSON.parse(fatal[0]!) as { err: string; msg: string };
    expect(o.msg).toBe("cannot open the database");
    expect(o.err).toContain("postgres://postgres:***@");
    expect(o.err).toContain("uacreg_no_such_database");
    expect(d.lines.join("\n")).not.toContain(DB_PASSWORD);
  });

  it("when the database comes up, the records load and register (PostgreSQL behind a refusing proxy)", async (ctx) => {
    let repo: Awaited<ReturnType<typeof openRepository>>;
    // This run's own table: a fixed name would show the rows of earlier (failed) or concurrent runs to the daemon.
    const table = `registrant_e2e_${process.pid}_${randomBytes(3).toString("hex")}`;
    try {
      repo = await openRepository(pgUrl, { tableName: table }, [postgresAdapter], { retry: { attempts: 1 } });
      await repo.createSchema();
      cleanups.push(() => dropPostgresTable(pgUrl, table));
    } catch (e) {
      if (process.env.UACREG_REQUIRE_SERVERS === "1") throw e;
      console.warn(`\n!!! SKIPPED: PostgreSQL unreachable at ${pgUrl} (${(e as Error).message})\n`);
      ctx.skip();
      return;
    }
    const registrar: DemoRegistrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
    cleanups.push(() => registrar.close());
    const REG = `sip:127.0.0.1:${registrar.port}`;
    const row = registrantRow({ registrar: REG });
    await repo.delete({ aor: row.aor, contact: row.binding_URI, registrar: REG });
    await repo.insert(row);
    await repo.close();
    const pg = new URL(pgUrl);
    const proxy: TcpFaultProxy = await startTcpFaultProxy(pg.hostname, Number(pg.port || 5432));
    cleanups.push(() => proxy.close());
    proxy.refuse(true);
    const via = new URL(pgUrl);
    via.port = String(proxy.port);
    const d = await spawnDaemon(via.toString(), { table_name: table });
    await d.waitLog((l) => l.includes('"msg":"database unreachable"'), 30_000);
    expect((await d.mi("reg_list")).result).toEqual({ Records: [] });
    proxy.refuse(false);
    await d.waitLog((l) => l.includes("registrant records loaded"), 30_000);
    // Loaded in state 0: the first bucket visit registers it.
    const deadline = Date.now() + 30_000;
    let state = "";
    while (Date.now() < deadline && state !== "REGISTERED_STATE") {
      const r = (await d.mi("reg_list")).result as { Records: Array<{ state: string }> };
      state = r.Records[0]?.state ?? "";
      if (state !== "REGISTERED_STATE") await new Promise((res) => setTimeout(res, 200));
    }
    expect(state).toBe("REGISTERED_STATE");
    expect(registrar.bindings("sip:alice@reg.test")).toHaveLength(1);

    // The database goes away while running: reg_disable still answers OK and unregisters; the failed state write
    // is logged with the record's key; a full reload fails with -32000 and keeps the records.
    proxy.refuse(true);
    proxy.dropAll();
    const key = [row.aor, row.binding_URI, REG];
    expect(await d.mi("reg_disable", key)).toEqual({ jsonrpc: "2.0", result: "OK", id: expect.any(Number) });
    const failedWrite = await d.waitLog((l) => l.includes("writing the record state to the database failed"), 30_000);
    // The record's key, as text (aor=…) or as the structured `key` field of the JSON line.
    expect(failedWrite).toMatch(/aor=sip:alice@reg\.test|"aor":"sip:alice@reg\.test"/);
    const deadline2 = Date.now() + 15_000;
    while (registrar.bindings("sip:alice@reg.test").length > 0 && Date.now() < deadline2) {
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(registrar.bindings("sip:alice@reg.test")).toEqual([]);
    const reload = await d.mi("reg_reload");
    expect(reload.error).toMatchObject({ code: -32000, message: "Server error" });
    expect(((await d.mi("reg_list")).result as { Records: unknown[] }).Records).toHaveLength(1);

    // It comes back: the next command that writes reaches it again.
    proxy.refuse(false);
    expect((await d.mi("reg_enable", key)).result).toBe("OK");
    expect((await d.mi("reg_disable", key)).result).toBe("OK");
    const check = await openRepository(pgUrl, { tableName: table }, [postgresAdapter]);
    const end3 = Date.now() + 30_000;
    let dbState: number | undefined;
    for (;;) {
      dbState = (await check.findOne({ aor: row.aor, contact: row.binding_URI, registrar: REG }))?.state;
      if (dbState === 1 || Date.now() > end3) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    await check.close();
    expect(dbState).toBe(1);
    expect((await d.mi("reg_reload")).result).toBe("OK");
    expect(await d.stop()).toEqual({ code: 0, signal: null });
    const cleanup = await openRepository(pgUrl, { tableName: table }, [postgresAdapter]);
    await cleanup.delete({ aor: row.aor, contact: row.binding_URI, registrar: REG });
    await cleanup.close();
  });
});

describe("metrics", () => {
  it('serves Prometheus text with uacreg_records{state="REGISTERED_STATE"} 1 after a registration', async () => {
    const registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
    cleanups.push(() => registrar.close());
    const REG = `sip:127.0.0.1:${registrar.port}`;
    const port = await freePort();
    const d = await startUacregd({
      rows: [registrantRow({ registrar: REG, state: 1 })],
      extra: { metrics: { listen: `127.0.0.1:${port}` } },
    });
    const before = await scrape(port);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(before.body).toMatch(/^uacreg_records\{state="REGISTERED_STATE"\} 0$/m);
    expect(before.body).toMatch(/^uacreg_records\{state="NOT_REGISTERED_STATE"\} 1$/m);
    expect(before.body).toMatch(/^# TYPE uacreg_records gauge$/m);
    await d.mi("reg_enable", ["sip:alice@reg.test", "sip:alice@127.0.0.1:5099", REG]);
    await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 30_000);
    const after = await scrape(port);
    expect(after.body).toMatch(/^uacreg_records\{state="REGISTERED_STATE"\} 1$/m);
    expect(after.body).toMatch(/^uacreg_records\{state="NOT_REGISTERED_STATE"\} 0$/m);
    expect(after.body).toMatch(/^uacreg_mi_calls_total\{command="reg_enable",outcome="ok"\} 1$/m);
    expect(after.body).not.toContain("secret");
    await d.stop();
  });
});
