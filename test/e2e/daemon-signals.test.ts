/**
 * The daemon under signals (design: SIGHUP = full reload, SIGTERM/SIGINT = bounded clean exit) with the demo
 * registrar: a row edited and SIGHUP applies it; a removed row is unregistered; the FIFO is recreated; SIGTERM exits 0
 * within the bound, with an unREGISTER (expires=0) first when registrant.unregister_on_shutdown is true.
 */
import { spawn } from "node:child_process";
import {
  constants as fsc,
  existsSync,
  promises as fsp,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { type DemoRegistrar, type DemoRegistrarEvent, startDemoRegistrar } from "@uacreg/demo-registrar";
import type { RegistrantRow } from "@uacreg/engine";
import { stringify } from "yaml";
import { freePort } from "../support/free-port.js";
import { type Sipp, startSipp, stopAllSipp } from "../support/sipp.js";
import {
  type RegListRecord,
  registrantRow,
  startUacregd,
  stopAllUacregd,
  UACREGD,
  type Uacregd,
} from "../support/uacregd.js";

const registrars: DemoRegistrar[] = [];
afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
  await Promise.all(registrars.map((r) => r.close()));
});

const USERS = { alice: "Pw-A-1946s", bob: "Pw-B-2203t", carol: "Pw-C-7781u" };
type User = keyof typeof USERS;

async function setup(users: User[], registrant: Record<string, unknown> = {}, tm: Record<string, unknown> = {}) {
  const events: Array<DemoRegistrarEvent & { at: number }> = [];
  const reg = await startDemoRegistrar({
    users: USERS,
    realm: "reg.test",
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
  });
  registrars.push(reg);
  const REG = `sip:127.0.0.1:${reg.port}`;
  const rows = users.map((u) =>
    registrantRow({
      registrar: REG,
      aor: `sip:${u}@reg.test`,
      username: u,
      password: USERS[u],
      binding_URI: `sip:${u}@127.0.0.1:5099`,
      state: 1,
    }),
  );
  const d = await startUacregd({ rows, registrant, tm });
  for (const r of rows) expect(await d.mi("reg_enable", [r.aor, r.binding_URI, r.registrar])).toBe("OK");
  await d.waitFor((l) => l.length === rows.length && l.every((x) => x.state === "REGISTERED_STATE"), 10_000);
  return { reg, REG, d, rows, events };
}

const find = (l: RegListRecord[], user: string) => l.find((r) => r.AOR === `sip:${user}@reg.test`);

/** SIPp on a loaded machine sometimes misses the harness's 5 s bind deadline: try again on a fresh port. */
async function startSippRetrying(opts: Parameters<typeof startSipp>[0]): Promise<Sipp> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSipp(opts);
    } catch (e) {
      if (attempt >= 3 || !/did not bind/.test(String(e))) throw e;
    }
  }
}

async function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/** Opens a FIFO for writing without blocking, once someone reads it (ENXIO before that), at most `ms`. */
async function openFifoWriter(path: string, ms: number): Promise<fsp.FileHandle> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fsp.open(path, fsc.O_WRONLY | fsc.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO" || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * How long the daemon took from "stopping" (the signal handled) to "uacregd stopped", by the `time` stamps of its own
 * log lines: the shutdown bound is the daemon's, so it is read from the daemon, not from this (loaded) test process.
 */
function stopDurationMs(d: Uacregd): number {
  const at = (msg: string) => {
    const line = d.logs().find((l) => l.includes(`"msg":"${msg}"`));
    expect(line, `log line "${msg}"`).toBeDefined();
    return (JSON.parse(line!) as { time: number }).time;
  };
  return at("uacregd stopped") - at("stopping");
}

function noPasswordInLogs(d: Uacregd): void {
  const logs = d.logs().join("\n");
  for (const p of Object.values(USERS)) expect(logs).not.toContain(p);
}

describe.concurrent("signals", () => {
  it("SIGHUP reloads from the DB: an edited row applies, a removed one is unregistered, the rest untouched", async () => {
    const { reg, d, rows } = await setup(["alice", "bob", "carol"]);
    const before = await d.list();
    const aliceBinding = reg.bindings("sip:alice@reg.test")[0]!;
    const repo = await openRepository(d.dbUrl, {}, [sqliteAdapter]);
    const [, bob, carol] = rows as [RegistrantRow, RegistrantRow, RegistrantRow];
    await repo.upsert({ ...carol, state: 0, expiry: 150 });
    await repo.delete({ aor: bob.aor, contact: bob.binding_URI, registrar: bob.registrar });
    await repo.close();
    d.process.kill("SIGHUP");
    await until(() => d.logs().some((l) => l.includes('"msg":"reloaded"')), 15_000);
    const right = await d.list();
    expect(right.map((r) => r.AOR)).toEqual(["sip:alice@reg.test", "sip:carol@reg.test"]);
    expect(find(right, "alice")).toEqual(find(before, "alice"));
    // bob: unREGISTERed at the registrar.
    await until(() => reg.bindings("sip:bob@reg.test").length === 0, 15_000);
    expect(reg.bindings("sip:bob@reg.test")).toEqual([]);
    // carol: registers again with the new expiry (on the next visit of her bucket).
    const after = await d.waitFor((l) => find(l, "carol")?.expires === 150, 16_000);
    expect(find(after, "carol")?.state).toBe("REGISTERED_STATE");
    expect(reg.bindings("sip:carol@reg.test")[0]?.expires).toBeGreaterThan(130);
    expect(reg.bindings("sip:alice@reg.test")[0]).toMatchObject({
      callId: aliceBinding.callId,
      cseq: aliceBinding.cseq,
    });

    // The FIFO removed under the daemon's feet: SIGHUP recreates it.
    await fsp.rm(d.fifoPath);
    d.process.kill("SIGHUP");
    await until(() => existsSync(d.fifoPath), 15_000);
    expect((await fsp.lstat(d.fifoPath)).isFIFO()).toBe(true);
    // The daemon creates the FIFO, then opens it for reading: until then a writer's non-blocking open gets ENXIO.
    const probe = await openFifoWriter(d.fifoPath, 15_000);
    await probe.close();
    expect(d.process.exitCode).toBeNull();
    noPasswordInLogs(d);
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });

  it("SIGHUP with a broken database keeps the records; a burst of SIGHUPs changes nothing", async () => {
    const { reg, d } = await setup(["alice", "bob"]);
    const before = await d.list();
    const bindings = reg.bindings();
    for (let i = 0; i < 10; i++) d.process.kill("SIGHUP");
    await until(() => d.logs().filter((l) => l.includes('"msg":"reloaded"')).length >= 1, 15_000);
    // Whether or not more reloads of the burst are still to come, the records never differ.
    expect(await d.list()).toEqual(before);
    // Overwritten in place: the daemon's connection now reads garbage.
    await fsp.writeFile(d.dbUrl.replace(/^sqlite:\/\//, ""), Buffer.alloc(8192, 0x42));
    d.process.kill("SIGHUP");
    const line = await (async () => {
      await until(() => d.logs().some((l) => l.includes("reload failed")), 15_000);
      return d.logs().find((l) => l.includes("reload failed"));
    })();
    expect(line).toContain("the records in memory are kept");
    expect(await d.list()).toEqual(before);
    expect(reg.bindings().map((b) => [b.aor, b.callId, b.cseq])).toEqual(
      bindings.map((b) => [b.aor, b.callId, b.cseq]),
    );
    expect(d.process.exitCode).toBeNull();
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });

  it("SIGTERM exits 0 within the bound, no unREGISTER by default, FIFO removed; SIGINT likewise", async () => {
    const { reg, d } = await setup(["alice"], { shutdown_timeout: 3 });
    // Exit 0, not the 1 of the daemon's own hard stop at shutdown_timeout + 5 s; by its own clock, within the bound.
    expect(await d.stop("SIGTERM", 30_000)).toEqual({ code: 0, signal: null });
    expect(stopDurationMs(d)).toBeLessThanOrEqual(3000);
    // unregister_on_shutdown defaults to false (as OpenSIPS): the binding stays.
    expect(reg.bindings("sip:alice@reg.test")).toHaveLength(1);
    expect(d.logs().some((l) => l.includes('"msg":"uacregd stopped"'))).toBe(true);
    expect(existsSync(d.fifoPath)).toBe(false);
    noPasswordInLogs(d);

    const s2 = await setup(["bob"]);
    expect(await s2.d.stop("SIGINT", 30_000)).toEqual({ code: 0, signal: null });
    expect(s2.d.logs().some((l) => l.includes('"signal":"SIGINT"'))).toBe(true);
    // shutdown_timeout defaults to 5 s.
    expect(stopDurationMs(s2.d)).toBeLessThanOrEqual(5000);
  });

  it("unregister_on_shutdown: SIGTERM sends an unREGISTER (expires=0) for the registered record before exit", async () => {
    const { reg, d, events } = await setup(["alice", "carol"], { unregister_on_shutdown: true });
    expect(reg.bindings()).toHaveLength(2);
    let exitedAt = 0;
    d.process.once("exit", () => {
      exitedAt = Date.now();
    });
    const r = await d.stop("SIGTERM", 10_000);
    expect(r).toEqual({ code: 0, signal: null });
    const unreg = events.filter((e) => e.type === "unregistered");
    expect(unreg.map((e) => e.aor).sort()).toEqual(["sip:alice@reg.test", "sip:carol@reg.test"]);
    for (const e of unreg) expect(e.at).toBeLessThanOrEqual(exitedAt);
    expect(reg.bindings()).toEqual([]);
    expect(reg.stats().unregistered).toBe(2);
    noPasswordInLogs(d);
  });

  it("unregister_on_shutdown on the wire (SIPp): same Call-ID, expiry 0, challenged and answered, then exit 0", async () => {
    const sipp = await startSippRetrying({ scenario: "reg-disable.xml", maxCalls: 1, timeoutS: 30 });
    const REG = `sip:127.0.0.1:${sipp.port}`;
    const row = registrantRow({ registrar: REG, state: 1 });
    const d = await startUacregd({ rows: [row], registrant: { unregister_on_shutdown: true, shutdown_timeout: 5 } });
    expect(await d.mi("reg_enable", [row.aor, row.binding_URI, REG])).toBe("OK");
    await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 10_000);
    let exitedAt = 0;
    d.process.once("exit", () => {
      exitedAt = Date.now();
    });
    expect(await d.stop("SIGTERM", 10_000)).toEqual({ code: 0, signal: null });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    const registers = r.messages.filter((m) => m.direction === "received" && m.method === "REGISTER");
    expect(registers.length).toBeGreaterThanOrEqual(3);
    const callIds = new Set(registers.map((m) => m.header("Call-ID")));
    expect(callIds.size).toBe(1);
    const last = registers.at(-1)!;
    const asksZero = /;\s*expires=0\b/.test(last.header("Contact") ?? "") || last.header("Expires") === "0";
    expect(asksZero).toBe(true);
    const final = r.messages.filter((m) => m.direction === "sent" && m.status === 200).at(-1)!;
    expect(final.time).toBeLessThanOrEqual(exitedAt);
  });

  it("unregister_on_shutdown with a registrar that no longer answers: still exits 0 within shutdown_timeout", async () => {
    // fr_timeout 30 s: the unREGISTER transaction would outlive both shutdown_timeout (2 s) and the daemon's hard
    // stop (shutdown_timeout + 5 s, exit 1), so exit 0 shows the daemon gave up on it at shutdown_timeout.
    const { reg, d } = await setup(
      ["alice"],
      { unregister_on_shutdown: true, shutdown_timeout: 2 },
      { fr_timeout: 30 },
    );
    await reg.close();
    expect(await d.stop("SIGTERM", 30_000)).toEqual({ code: 0, signal: null });
    expect(stopDurationMs(d)).toBeLessThanOrEqual(2000 + 2000);
  });
});

/** True once the process catches SIGHUP (Linux: bit 0 of SigCgt in /proc/<pid>/status). */
function catchesSighup(pid: number): boolean {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] !== undefined && (BigInt(`0x${m[1]}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

describe("signals while the daemon is still loading", () => {
  async function launch() {
    const dir = mkdtempSync(join(tmpdir(), "uacregd-early-"));
    const file = join(dir, "uacreg.yaml");
    writeFileSync(
      file,
      stringify({
        listen: [`udp:127.0.0.1:${await freePort()}`],
        db_url: `sqlite://${join(dir, "r.db")}`,
        mi: { http: { listen: `127.0.0.1:${await freePort()}` }, fifo: null },
        metrics: null,
        log: { level: "debug", format: "json" },
      }),
    );
    const child = spawn(process.execPath, [UACREGD, "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    child.stdout.on("data", (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean)));
    child.stderr.on("data", (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once("exit", (code, signal) => r({ code, signal })),
    );
    // Sends as soon as the process handles SIGHUP, which must be long before it listens.
    const pid = child.pid!;
    while (!catchesSighup(pid) && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    const listening = () => lines.some((l) => l.includes("uacregd listening"));
    return { child, lines, exited, listening, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }

  it.concurrent("a SIGHUP before the daemon listens is ignored, not fatal", async () => {
    const p = await launch();
    // Normally hundreds of ms before it listens; on a starved machine the window may be missed, then only survival
    // is checked.
    const early = !p.listening();
    p.child.kill("SIGHUP");
    p.child.kill("SIGHUP");
    await until(
      () => p.lines.some((l) => l.includes("registrant records loaded")) || p.child.exitCode !== null,
      10_000,
    );
    expect(p.child.exitCode).toBeNull();
    expect(p.child.signalCode).toBeNull();
    if (early) expect(p.lines.some((l) => /SIGHUP (while loading|during start-up) ignored/.test(l))).toBe(true);
    // Later SIGHUPs reload as usual.
    p.child.kill("SIGHUP");
    await until(() => p.lines.some((l) => l.includes('"msg":"reloaded"')), 15_000);
    expect(p.lines.some((l) => l.includes('"msg":"reloaded"'))).toBe(true);
    p.child.kill("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
    p.cleanup();
  });

  it.concurrent("a SIGTERM before the daemon listens ends it cleanly with exit 0", async () => {
    const p = await launch();
    p.child.kill("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines.some((l) => l.includes('"signal":"SIGTERM"'))).toBe(true);
    p.cleanup();
  });
});
