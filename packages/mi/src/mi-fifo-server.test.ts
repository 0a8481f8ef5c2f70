import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, constants, promises as fsp, openSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@uacreg/runtime";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MiFifoLockedError, MiFifoServer } from "./mi-fifo-server.js";
import { type Fixture, sampleRegistry } from "./test-support/sample-registry.js";

let dir: string;
let fixture: Fixture;
let server: MiFifoServer;
let seq = 0;

const KEY = "sip:a@x|sip:a@1.2.3.4|sip:x";
const DISABLE =
  '{"jsonrpc": "2.0", "id": "4242", "method": "reg_disable", "params": ["sip:a@x", "sip:a@1.2.3.4", "sip:x"]}';
const WHICH = '{"jsonrpc": "2.0", "id": "1", "method": "which", "params": {}}';

/** Writes raw bytes to the server FIFO in one write, like opensips-cli, and closes it. */
async function writeServer(bytes: string): Promise<void> {
  const w = await fsp.open(server.path, constants.O_WRONLY);
  await w.write(bytes);
  await w.close();
}

/** A fresh reply name, made like opensips-cli's (no dots). */
function replyName(): string {
  return `opensips_fifo_reply_${process.pid}_${seq++}`;
}

/** mkfifo the reply pipe in the reply dir (chmod 0666), as opensips-cli does before writing its request. */
function makeReplyFifo(name: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", ["-m", "666", path]);
  return path;
}

/** Opens the reply FIFO for reading (blocks until the server opens it) and reads up to EOF. */
async function readReply(path: string): Promise<string> {
  const r = await fsp.open(path, "r");
  const text = await r.readFile("utf8");
  await r.close();
  await fsp.unlink(path);
  return text;
}

/** One opensips-cli style round trip: mkfifo reply, write `:name:json`, readline. */
async function miFifo(json: string): Promise<string> {
  const name = replyName();
  const path = makeReplyFifo(name);
  await writeServer(`:${name}:${json}`);
  return readReply(path);
}

/**
 * A round trip that cannot race the server's reply open: the reply FIFO already has a reader (opened non-blocking,
 * plus a writer of our own so it reads no EOF) when the request is written, so the server never sees ENXIO and arms
 * no retry timer. The reply is complete when its one JSON value parses.
 */
async function askReady(json: string): Promise<string> {
  const name = replyName();
  const path = makeReplyFifo(name);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const keepOpen = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  try {
    const text = new Promise<string>((resolve) => {
      let got = "";
      reader.on("data", (chunk: Buffer) => {
        got += chunk.toString("utf8");
        try {
          JSON.parse(got);
          resolve(got);
        } catch {
          // not complete yet
        }
      });
    });
    await writeServer(`:${name}:${json}`);
    return await text;
  } finally {
    reader.destroy();
    closeSync(keepOpen);
    await fsp.unlink(path);
  }
}

/** A logger that keeps the messages. */
function capturingLogger(lines: string[]): Logger {
  const keep = (obj: object, msg: string) => lines.push(`${msg} ${JSON.stringify(obj)}`);
  return { debug: keep, info: keep, warn: keep, error: keep };
}

/** Moves the virtual clock on in `stepMs` steps, one event-loop turn each, until `p` settles. */
async function driven<T>(clock: VirtualClock, p: Promise<T>, stepMs: number): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
  };
  void p.then(mark, mark);
  while (!done) {
    await clock.advance(stepMs);
    await new Promise<void>((r) => setImmediate(r));
  }
  return p;
}

async function start(options: Partial<ConstructorParameters<typeof MiFifoServer>[0]> = {}): Promise<void> {
  server = new MiFifoServer({
    registry: fixture.registry,
    path: join(dir, "uacreg_fifo"),
    replyDir: `${dir}/`,
    checkIntervalMs: 0,
    ...options,
  });
  await server.start();
}

/** A server whose FIFO lives in `<dir>/sub`, then that directory removed (and, with `back`, made again, empty). */
async function startInSubdirThenRemoveIt(back: boolean): Promise<void> {
  await server.stop();
  const sub = join(dir, "sub");
  await fsp.mkdir(sub);
  await start({ path: join(sub, "uacreg_fifo") });
  await fsp.rm(sub, { recursive: true });
  if (back) await fsp.mkdir(sub);
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-mi-fifo-"));
  fixture = sampleRegistry();
  await start();
});

afterEach(async () => {
  await server.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe("mi_fifo server (docs/mi-protocol.md §4)", () => {
  it("creates the FIFO with mode 0660 by default", async () => {
    const st = await fsp.lstat(server.path);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
  });

  it("answers an opensips-cli request with one line of compact JSON, then EOF", async () => {
    const text = await miFifo(DISABLE);
    expect(text).toBe('{"jsonrpc":"2.0","result":"OK","id":"4242"}');
    expect(fixture.records.get(KEY)?.enabled).toBe(false);
  });

  it("survives opensips-cli's startup check (open for writing and close without writing)", async () => {
    const w = await fsp.open(server.path, constants.O_WRONLY);
    await w.close();
    expect(JSON.parse(await miFifo(WHICH)).result).toContain("reg_list");
  });

  it("answers several requests arriving in one write, in order", async () => {
    const a = replyName();
    const b = replyName();
    const pa = makeReplyFifo(a);
    const pb = makeReplyFifo(b);
    await writeServer(
      `:${a}:${DISABLE}\n:${b}:{"jsonrpc":"2.0","id":2,"method":"reg_list","params":["sip:a@x","sip:a@1.2.3.4","sip:x"]}`,
    );
    const [ra, rb] = await Promise.all([readReply(pa), readReply(pb)]);
    expect(ra).toBe('{"jsonrpc":"2.0","result":"OK","id":"4242"}');
    expect(rb).toBe('{"jsonrpc":"2.0","result":{"Registrant":{"AOR":"sip:a@x"}},"id":2}');
  });

  it("sends zero bytes (EOF) for a notification", async () => {
    expect(await miFifo('{"jsonrpc":"2.0","method":"reg_disable","params":["sip:a@x","sip:a@1.2.3.4","sip:x"]}')).toBe(
      "",
    );
    expect(fixture.records.get(KEY)?.enabled).toBe(false);
  });

  it("runs a request with an empty reply name without replying", async () => {
    await writeServer(`::${DISABLE}`);
    expect(await miFifo(WHICH)).toContain('"result"');
    expect(fixture.records.get(KEY)?.enabled).toBe(false);
  });

  it("answers a missing method and an array body with -32600 instead of crashing", async () => {
    expect(await miFifo('{"jsonrpc":"2.0","id":"9"}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"9"}',
    );
    expect(await miFifo(`[${WHICH}]`)).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    );
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it.each(["../x", "a.b", "a\\b"])(
    "drops a request whose reply name %j is forbidden, without running it",
    async (name) => {
      await writeServer(`:${name}:${DISABLE}`);
      expect(await miFifo(WHICH)).toContain("reg_list");
      expect(fixture.records.get(KEY)?.enabled).toBe(true);
    },
  );

  it("drops broken JSON and keeps serving", async () => {
    await writeServer(":x:{nope");
    await writeServer("garbage");
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("refuses a reply path that is a regular file, a symlink or a hard-linked FIFO", async () => {
    await fsp.writeFile(join(dir, "plain"), "");
    const target = makeReplyFifo("target");
    await fsp.symlink(target, join(dir, "link"));
    makeReplyFifo("twice");
    await fsp.link(join(dir, "twice"), join(dir, "twice2"));
    // Readers are present, so the server's open would succeed: the refusal comes from the checks themselves.
    const readers = await Promise.all(
      ["target", "twice"].map((n) => fsp.open(join(dir, n), constants.O_RDONLY | constants.O_NONBLOCK)),
    );
    // On a clock that never moves: a refusal that waited for ENXIO retries would hold the queue and the next request.
    await server.stop();
    const clock = new VirtualClock();
    await start({ clock });
    for (const name of ["plain", "link", "twice"]) await writeServer(`:${name}:${DISABLE}`);
    expect(await askReady(WHICH)).toContain("reg_list");
    expect(clock.pendingTimers).toBe(0);
    for (const r of readers) expect((await r.read()).bytesRead).toBe(0);
    await Promise.all(readers.map((r) => r.close()));
    expect(await fsp.readFile(join(dir, "plain"), "utf8")).toBe("");
    expect(fixture.records.get(KEY)?.enabled).toBe(true);
  });

  it("gives up on a reply FIFO nobody reads after the ENXIO retries, and serves the next request", async () => {
    await server.stop();
    const clock = new VirtualClock();
    const logs: string[] = [];
    await start({ clock, logger: capturingLogger(logs) });
    makeReplyFifo("nobody");
    await writeServer(`:nobody:${DISABLE}`);
    expect(await driven(clock, askReady(WHICH), 20)).toContain("reg_list");
    // 4 retries, 80 ms apart on the server's clock, before it gave up.
    expect(clock.now()).toBeGreaterThanOrEqual(320);
    expect(logs.filter((l) => l.startsWith("MI FIFO cannot open the reply pipe"))).toEqual([
      `MI FIFO cannot open the reply pipe {"path":"${dir}/nobody","code":"ENXIO"}`,
    ]);
    expect(fixture.records.get(KEY)?.enabled).toBe(true);
  });

  it("handles a reply larger than the pipe buffer", async () => {
    for (let i = 0; i < 3000; i++) {
      fixture.records.set(`k${i}`, { aor: `sip:user${i}@example.com`, contact: "c", registrar: "r", enabled: true });
    }
    const text = await miFifo('{"jsonrpc":"2.0","id":1,"method":"reg_list"}');
    expect(text.length).toBeGreaterThan(65536);
    expect(text.includes("\n")).toBe(false);
    expect(JSON.parse(text).result.Records).toHaveLength(3001);
  });

  it("serves others while one client does not read its large reply, and gives that one up after the write timeout", async () => {
    for (let i = 0; i < 3000; i++) {
      fixture.records.set(`k${i}`, { aor: `sip:user${i}@example.com`, contact: "c", registrar: "r", enabled: true });
    }
    await server.stop();
    const clock = new VirtualClock();
    await start({ clock });
    const name = replyName();
    const path = makeReplyFifo(name);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    reader.pause();
    const closed = new Promise<void>((resolve) => reader.on("end", () => resolve()));
    await writeServer(`:${name}:{"jsonrpc":"2.0","id":1,"method":"reg_list"}`);
    // The reply fills the pipe and the server waits for it to drain (its timer armed).
    while (clock.pendingTimers === 0) await new Promise<void>((r) => setImmediate(r));
    expect(await askReady(WHICH)).toContain("reg_list");
    await clock.advance(10_000);
    reader.resume();
    await closed;
    reader.destroy();
    await fsp.unlink(path);
  });

  it("does not cut off a large reply the client reads slowly, longer than the write timeout in all", async () => {
    for (let i = 0; i < 3000; i++) {
      fixture.records.set(`k${i}`, {
        aor: `sip:user${i}-${"x".repeat(200)}@example.com`,
        contact: "c",
        registrar: "r",
        enabled: true,
      });
    }
    await server.stop();
    const clock = new VirtualClock();
    await start({ clock });
    const name = replyName();
    const path = makeReplyFifo(name);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    reader.pause();
    let text = "";
    let ended = false;
    reader.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    reader.on("end", () => {
      ended = true;
    });
    await writeServer(`:${name}:{"jsonrpc":"2.0","id":1,"method":"reg_list"}`);
    let stalls = 0;
    while (!ended) {
      for (let turn = 0; turn < 2000 && (turn < 20 || clock.pendingTimers === 0); turn++) {
        await new Promise<void>((r) => setImmediate(r));
      }
      if (clock.pendingTimers > 0) stalls++;
      await clock.advance(9_000);
      if (ended) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          reader.pause();
          reader.off("data", done);
          reader.off("end", done);
          resolve();
        };
        reader.on("data", done);
        reader.on("end", done);
        reader.resume();
      });
    }
    reader.destroy();
    await fsp.unlink(path);
    expect(stalls).toBeGreaterThan(1);
    expect(clock.now()).toBeGreaterThan(10_000);
    expect(JSON.parse(text).result.Records).toHaveLength(3001);
  });

  it("recreates the FIFO on demand after it was deleted", async () => {
    await fsp.unlink(server.path);
    expect(await server.ensureFifo()).toBe(true);
    expect(await server.ensureFifo()).toBe(false);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("recreates it once when asked several times at once", async () => {
    await fsp.unlink(server.path);
    expect(await Promise.all([server.ensureFifo(), server.ensureFifo()])).toEqual([true, true]);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("survives a directory at its path: ensureFifo logs one line and resolves, and recreates once it is gone", async () => {
    await server.stop();
    const logs: string[] = [];
    await start({ logger: capturingLogger(logs) });
    await fsp.unlink(server.path);
    await fsp.mkdir(server.path);
    logs.length = 0;
    expect(await server.ensureFifo()).toBe(false);
    expect(await server.ensureFifo()).toBe(false);
    expect(logs.filter((l) => l.startsWith("MI FIFO cannot be recreated"))).toHaveLength(2);
    expect(logs.filter((l) => !l.startsWith("MI FIFO cannot be recreated"))).toHaveLength(1);
    await fsp.rmdir(server.path);
    expect(await server.ensureFifo()).toBe(true);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("survives its parent directory being removed, and recreates the FIFO once it is back", async () => {
    await startInSubdirThenRemoveIt(false);
    expect(await server.ensureFifo()).toBe(false);
    await fsp.mkdir(join(dir, "sub"));
    expect(await server.ensureFifo()).toBe(true);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("takes its lock again when it recreates the FIFO after its directory came back (the lock went with it)", async () => {
    await startInSubdirThenRemoveIt(true);
    expect(await server.ensureFifo()).toBe(true);
    expect(await fsp.readFile(`${server.path}.lock`, "utf8")).toBe(`${process.pid}\n`);
  });

  it("leaves the path alone when another live process took it while the directory was gone", async () => {
    await startInSubdirThenRemoveIt(true);
    // Another daemon (here: our parent's pid, alive) made its FIFO and lock at the path meanwhile.
    execFileSync("mkfifo", [server.path]);
    const ino = (await fsp.lstat(server.path)).ino;
    await fsp.writeFile(`${server.path}.lock`, `${process.ppid}\n`);
    expect(await server.ensureFifo()).toBe(false);
    expect((await fsp.lstat(server.path)).ino).toBe(ino);
    expect(await fsp.readFile(`${server.path}.lock`, "utf8")).toBe(`${process.ppid}\n`);
    await fsp.unlink(`${server.path}.lock`);
  });

  it("a second server on the same path refuses, naming the path and the owner's pid, and leaves the live FIFO alone", async () => {
    const ino = (await fsp.lstat(server.path)).ino;
    expect(await fsp.readFile(`${server.path}.lock`, "utf8")).toBe(`${process.pid}\n`);
    const second = new MiFifoServer({ registry: fixture.registry, path: server.path, checkIntervalMs: 0 });
    await expect(second.start()).rejects.toThrow(
      new MiFifoLockedError(server.path, `${server.path}.lock`, process.pid),
    );
    await second.stop();
    expect((await fsp.lstat(server.path)).ino).toBe(ino);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("takes over a stale lock whose pid is dead, and removes its lock on stop", async () => {
    await server.stop();
    await expect(fsp.lstat(`${server.path}.lock`)).rejects.toThrow();
    const dead = spawnSync("true").pid;
    await fsp.writeFile(`${server.path}.lock`, `${dead}\n`);
    await start();
    expect(await fsp.readFile(`${server.path}.lock`, "utf8")).toBe(`${process.pid}\n`);
    expect(await miFifo(WHICH)).toContain("reg_list");
  });

  it("refuses a lock held by another live process", async () => {
    await server.stop();
    await fsp.writeFile(`${server.path}.lock`, `${process.ppid}\n`);
    await expect(start()).rejects.toThrow(MiFifoLockedError);
    await expect(fsp.lstat(server.path)).rejects.toThrow();
    expect(await fsp.readFile(`${server.path}.lock`, "utf8")).toBe(`${process.ppid}\n`);
    await fsp.unlink(`${server.path}.lock`);
    await start();
  });

  it("recreates a deleted FIFO on its periodic check", async () => {
    await server.stop();
    const clock = new VirtualClock();
    await start({ clock, checkIntervalMs: 30_000 });
    await fsp.unlink(server.path);
    await clock.advance(29_999);
    expect(await fsp.lstat(server.path).catch(() => undefined)).toBeUndefined();
    await clock.advance(1);
    // The check runs on real files: wait for it turn by turn, without moving the clock.
    while (!(await fsp.lstat(server.path).catch(() => undefined))?.isFIFO()) {
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(await askReady(WHICH)).toContain("reg_list");
    // The next check is armed.
    expect(clock.nextDeadline()).toBe(60_000);
  });

  it("does not block the event loop while waiting for and serving requests", async () => {
    // Another task keeps taking event-loop turns while the reader waits on the FIFO and while a request is served.
    let turns = 0;
    let serving = true;
    const spinning = (async () => {
      while (serving) {
        turns++;
        await new Promise<void>((r) => setImmediate(r));
      }
    })();
    // Idle: turns pass while the reader waits on the FIFO (a blocking read would stop everything here).
    for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
    const before = turns;
    expect(await askReady(WHICH)).toContain("reg_list");
    serving = false;
    await spinning;
    expect(turns).toBeGreaterThan(before);
  });

  it("removes the FIFO on stop and replaces a stale file on start", async () => {
    await server.stop();
    await expect(fsp.lstat(server.path)).rejects.toThrow();
    await fsp.writeFile(server.path, "stale");
    await start({ mode: 0o600 });
    const st = await fsp.lstat(server.path);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });
});
