import { execFileSync } from "node:child_process";
import { closeSync, constants, promises as fsp, openSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FifoFramer, fifoReplyPath } from "./fifo-framer.js";
import {
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiReplyError,
  MiReplyFifoTimeoutError,
} from "./mi-client-error.js";
import { MiFifoClient } from "./mi-fifo-client.js";
import { MiFifoServer } from "./mi-fifo-server.js";
import { type Fixture, sampleRegistry } from "./test-support/sample-registry.js";

const KEY = ["sip:a@x", "sip:a@1.2.3.4", "sip:x"];

let dir: string;
let fixture: Fixture;
let server: MiFifoServer;

/** Reply FIFOs the client left in `where`. */
async function leftovers(where: string): Promise<string[]> {
  return (await fsp.readdir(where)).filter((n) => n.startsWith("uacreg_reply_"));
}

/**
 * Waits for `p` while moving the virtual clock on in small steps, one event-loop turn per step, so the real FIFO I/O
 * between the client's timers can complete.
 */
async function driven<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
  };
  void p.then(mark, mark);
  while (!done) {
    await clock.advance(10);
    await new Promise<void>((r) => setImmediate(r));
  }
  return p;
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-mi-fifo-client-"));
  fixture = sampleRegistry();
  server = new MiFifoServer({
    registry: fixture.registry,
    path: join(dir, "uacreg_fifo"),
    replyDir: `${dir}/`,
    checkIntervalMs: 0,
  });
  await server.start();
});

afterEach(async () => {
  await server.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe("MiFifoClient against the mi_fifo server on a real FIFO (docs/mi-protocol.md §4, §6)", () => {
  it("calls a command, resolves with its result and removes its reply FIFO", async () => {
    const client = new MiFifoClient({ path: server.path, replyDir: `${dir}/` });
    expect(await client.call("reg_disable", KEY)).toBe("OK");
    expect(fixture.records.get(KEY.join("|"))?.enabled).toBe(false);
    expect(await client.call("which", { command: "reg_list" })).toEqual([[], ["aor", "contact", "registrar"]]);
    expect(await leftovers(dir)).toEqual([]);
  });

  it("takes a reply_dir given without its trailing slash as the directory", async () => {
    const client = new MiFifoClient({ path: server.path, replyDir: dir });
    expect(client.replyDir).toBe(`${dir}/`);
    expect(await client.call("reg_list", KEY)).toEqual({ Registrant: { AOR: "sip:a@x" } });
  });

  it("serves overlapping calls, each on its own reply FIFO", async () => {
    const client = new MiFifoClient({ path: server.path, replyDir: dir });
    const replies = await Promise.all([
      client.call("reg_list", KEY),
      client.call("which", { command: "reg_disable" }),
      client.call("twins", { b: 1 }),
    ]);
    expect(replies).toEqual([{ Registrant: { AOR: "sip:a@x" } }, [["aor", "contact", "registrar"]], "b"]);
  });

  it("throws MiReplyError for an error reply", async () => {
    const client = new MiFifoClient({ path: server.path, replyDir: dir });
    await expect(client.call("reg_list", ["a"])).rejects.toSatisfy(
      (e) =>
        e instanceof MiReplyError &&
        e.code === -32602 &&
        e.message === "Invalid params" &&
        e.data === "Too few or too many parameters",
    );
  });

  it("returns the empty reply of a notification from exchange()", async () => {
    const client = new MiFifoClient({ path: server.path, replyDir: dir });
    const notification = '{"jsonrpc":"2.0","method":"reg_disable","params":["sip:a@x","sip:a@1.2.3.4","sip:x"]}';
    expect(await client.exchange(notification)).toBe("");
    expect(fixture.records.get(KEY.join("|"))?.enabled).toBe(false);
  });

  it("throws MiEmptyReplyError from call() when a server answers a request with zero bytes", async () => {
    // A server that frames requests with mi_fifo's own framer, opens the reply FIFO and closes it unwritten.
    const path = join(dir, "mute_fifo");
    execFileSync("mkfifo", [path]);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const keepOpen = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    const framer = new FifoFramer();
    reader.on("data", (chunk: Buffer) => {
      for (const frame of framer.push(chunk, 0)) {
        if (frame.kind !== "request") continue;
        void fsp.open(fifoReplyPath(`${dir}/`, frame.replyName), constants.O_WRONLY).then((h) => h.close());
      }
    });
    try {
      const client = new MiFifoClient({ path, replyDir: dir });
      await expect(client.call("which")).rejects.toThrow(MiEmptyReplyError);
      await expect(client.call("which")).rejects.toThrow(`the MI FIFO ${path} sent an empty reply`);
    } finally {
      reader.destroy();
      closeSync(keepOpen);
    }
  });

  it("throws MiConnectionRefusedError when the FIFO does not exist or nobody reads it, leaving nothing behind", async () => {
    const missing = new MiFifoClient({ path: join(dir, "missing"), replyDir: dir });
    await expect(missing.call("which")).rejects.toThrow(MiConnectionRefusedError);
    await expect(missing.call("which")).rejects.toThrow(`MI FIFO ${join(dir, "missing")} does not exist`);
    const orphan = join(dir, "orphan_fifo");
    execFileSync("mkfifo", [orphan]);
    const unread = new MiFifoClient({ path: orphan, replyDir: dir });
    await expect(unread.call("which")).rejects.toThrow(`nobody reads the MI FIFO ${orphan}`);
    expect(await leftovers(dir)).toEqual([]);
  });

  it("refuses a path that is not a FIFO", async () => {
    await fsp.writeFile(join(dir, "plain"), "");
    const client = new MiFifoClient({ path: join(dir, "plain"), replyDir: dir });
    await expect(client.call("which")).rejects.toThrow(`${join(dir, "plain")} is not a FIFO`);
  });
});

describe("MiFifoClient timeout (virtual clock)", () => {
  it("gives up when the server never opens the reply FIFO (another reply_dir), naming reply_dir", async () => {
    const other = await fsp.mkdtemp(join(tmpdir(), "uacreg-mi-fifo-other-"));
    const clock = new VirtualClock();
    const client = new MiFifoClient({ path: server.path, replyDir: other, timeoutMs: 500, clock });
    const err = await driven(
      clock,
      client.call("reg_disable", KEY).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(MiReplyFifoTimeoutError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^no reply on ${other}/uacreg_reply_\\S+ within 500 ms \\(the reply FIFO must be in the daemon's reply_dir; ours is ${other}/\\)$`,
      ),
    );
    expect(clock.now()).toBeGreaterThanOrEqual(500);
    // The server dropped the request without running it (mi_fifo opens the reply first).
    expect(fixture.records.get(KEY.join("|"))?.enabled).toBe(true);
    expect(await leftovers(other)).toEqual([]);
    await fsp.rm(other, { recursive: true, force: true });
  });
});
