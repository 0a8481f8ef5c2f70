/**
 * The MI under an operator's bad day (issue "Hardening", items 8, 11, 13): whatever happens to the FIFO path, the
 * daemon keeps running and answers MI over HTTP; a second daemon does not take the FIFO of a running one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { promises as fsp, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { stringify } from "yaml";
import { registrantRow, startUacregd, stopAllUacregd, UACREGD, type Uacregd } from "../support/uacregd.js";

const spawned: ChildProcess[] = [];
afterAll(async () => {
  await stopAllUacregd();
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Polls `pred` every 50 ms until it holds; fails with `what` after `timeoutMs`. */
async function until(pred: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isFifo = async (d: Uacregd) => (await fsp.lstat(d.fifoPath).catch(() => undefined))?.isFIFO() === true;
const alive = (d: Uacregd) => d.process.exitCode === null && d.process.signalCode === null;

describe("the MI FIFO path under an operator's hands", () => {
  it("a directory at the FIFO path and a SIGHUP: the daemon lives, answers over HTTP, and makes the FIFO again once the directory is gone", async () => {
    const d = await startUacregd();
    await fsp.unlink(d.fifoPath);
    await fsp.mkdir(d.fifoPath);
    d.process.kill("SIGHUP");
    await until(() => d.logs().some((l) => l.includes("MI FIFO cannot be recreated")), 10_000, "the failure line");
    expect(alive(d)).toBe(true);
    expect(await d.mi("which")).toContain("reg_list");
    // A second SIGHUP with the directory still there: still one line per attempt, still alive.
    d.process.kill("SIGHUP");
    await until(
      () => d.logs().filter((l) => l.includes("MI FIFO cannot be recreated")).length >= 2,
      10_000,
      "the second failure line",
    );
    expect(alive(d)).toBe(true);
    await fsp.rmdir(d.fifoPath);
    d.process.kill("SIGHUP");
    await until(() => isFifo(d), 10_000, "the FIFO to come back");
    expect(alive(d)).toBe(true);
    expect(await d.mi("which")).toContain("reg_list");
    expect((await d.stop()).code).toBe(0);
  });
});

/** `mi:` of a daemon whose FIFO is at `path` (HTTP on a fresh port). */
async function miAt(path: string, replyDir: string): Promise<Record<string, unknown>> {
  return {
    mi: {
      http: { listen: `127.0.0.1:${await freePort()}`, root: "mi" },
      fifo: { path, reply_dir: replyDir, mode: "0600" },
    },
  };
}

describe("one daemon per MI FIFO", () => {
  it("a second daemon on the same FIFO refuses with one line naming the path and the pid, exits non-zero, and leaves the live FIFO alone", async () => {
    const first = await startUacregd();
    const ino = (await fsp.lstat(first.fifoPath)).ino;
    const second = startUacregd({ extra: await miAt(first.fifoPath, `${first.dir}/`) });
    const err = await second.then(
      () => new Error("the second daemon started"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain("uacregd exited with 1 at start-up");
    const refusal = err.message.split("\n").filter((l) => l.includes("is in use by process"));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toContain(`the MI FIFO ${first.fifoPath} is in use by process ${first.process.pid}`);
    expect(alive(first)).toBe(true);
    expect((await fsp.lstat(first.fifoPath)).ino).toBe(ino);
    // The first daemon still owns and serves its FIFO: after a SIGHUP it has not had to recreate it.
    first.process.kill("SIGHUP");
    await until(() => first.logs().some((l) => l.includes('"msg":"reloaded"')), 10_000, "reload");
    expect(first.logs().some((l) => l.includes("MI FIFO missing or replaced"))).toBe(false);
    expect(await first.mi("which")).toContain("reg_list");
    expect((await first.stop()).code).toBe(0);
  });

  it("a stale lock (its owner killed) is taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uacregd-e2e-lock-"));
    try {
      const fifo = join(dir, "uacreg_fifo");
      const killed = await spawnDaemon(dir, fifo);
      await killed.loaded;
      killed.child.kill("SIGKILL");
      await killed.exited;
      expect(await fsp.readFile(`${fifo}.lock`, "utf8")).toBe(`${killed.child.pid}\n`);
      const next = await spawnDaemon(dir, fifo);
      await next.loaded;
      expect(await fsp.readFile(`${fifo}.lock`, "utf8")).toBe(`${next.child.pid}\n`);
      expect((await fsp.lstat(fifo)).isFIFO()).toBe(true);
      next.child.kill("SIGTERM");
      expect((await next.exited).code).toBe(0);
      await expect(fsp.lstat(`${fifo}.lock`)).rejects.toThrow();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

/** A daemon of our own (the harness owns its FIFO path): no records, MI FIFO at `fifo`, MI HTTP off. */
async function spawnDaemon(dir: string, fifo: string) {
  const config = {
    listen: [`udp:127.0.0.1:${await freePort()}`],
    db_url: `sqlite://${join(dir, "registrant.db")}`,
    mi: { http: null, fifo: { path: fifo, reply_dir: `${dir}/`, mode: "0600" } },
    log: { level: "info", format: "json" },
    metrics: null,
  };
  const configFile = join(dir, "uacreg.yaml");
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, [UACREGD, "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  spawned.push(child);
  let text = "";
  const loaded = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("registrant records loaded")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", () => reject(new Error(`uacregd exited at start-up:\n${text}`)));
  });
  loaded.catch(() => {});
  const exited = new Promise<{ code: number | null }>((r) => child.once("exit", (code) => r({ code })));
  return { child, loaded, exited };
}

describe("SIGHUP storms", () => {
  it("100 SIGHUPs in a burst are coalesced (one reload running, one queued), and the daemon answers meanwhile", async () => {
    // Records enough for a reload to take a while; their registrar is a closed loopback port (nothing registers).
    const rows = Array.from({ length: 1000 }, (_, i) =>
      registrantRow({
        registrar: "sip:127.0.0.1:9",
        aor: `sip:u${i}@reg.test`,
        binding_URI: `sip:u${i}@127.0.0.1:5099`,
      }),
    );
    const d = await startUacregd({ rows });
    const reloads = () => d.logs().filter((l) => l.includes('"msg":"reloaded"')).length;
    // 100 signals in a burst (well within the first reload).
    for (let i = 0; i < 100; i++) d.process.kill("SIGHUP");
    await until(() => reloads() >= 1, 30_000, "a reload");
    expect(await d.mi("which")).toContain("reg_list");
    // Every SIGHUP has been handled once the daemon answers a later MI call after the queued reload ends; give the
    // queued one the time the first took, twice over, then count.
    await new Promise((r) => setTimeout(r, 3000));
    // One running and one queued at any moment: a burst that lands within the first reload gives 2; on a loaded
    // machine the test's own kill() calls may straddle the end of the first reload, which allows one more. Without
    // coalescing the same burst ran 12 to 67 reloads.
    expect(reloads()).toBeGreaterThanOrEqual(1);
    expect(reloads()).toBeLessThanOrEqual(3);
    expect(alive(d)).toBe(true);
    expect((await d.stop()).code).toBe(0);
  });
});

describe("reg_upsert refuses what the loader refuses", () => {
  it("an expiry not above timer_interval and a registrar with a user part are MI errors, and nothing is added", async () => {
    const d = await startUacregd();
    const upsert = (registrar: string, expiry: number) =>
      d.mi("reg_upsert", {
        aor: "sip:new@reg.test",
        contact: "sip:new@127.0.0.1:5099",
        registrar,
        proxy: "",
        third_party_registrant: "",
        username: "",
        password: "",
        binding_params: "",
        expiry,
        forced_socket: "",
        cluster_shtag: "",
        state: 0,
      });
    await expect(upsert("sip:127.0.0.1:9", 10)).rejects.toThrow(
      /Failed Upsert.*expiry: 10 s is not above timer_interval/,
    );
    await expect(upsert("sip:user@127.0.0.1:9", 600)).rejects.toThrow(/Failed Upsert.*registrar: must not have a user/);
    expect(await d.list()).toEqual([]);
    expect(await upsert("sip:127.0.0.1:9", 600)).toBe("OK");
    expect((await d.list()).map((r) => r.AOR)).toEqual(["sip:new@reg.test"]);
    expect((await d.stop()).code).toBe(0);
  });
});
