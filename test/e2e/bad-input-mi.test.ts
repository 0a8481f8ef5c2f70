/**
 * Bad input to the MI (docs/mi-protocol.md §4, §5): malformed JSON, oversized bodies, wrong content types and stalled
 * connections on HTTP; garbage, broken JSON, oversized requests and forbidden or unsafe reply names on the FIFO. The
 * daemon keeps running, keeps answering, and the registered record is untouched.
 */
import { execFile } from "node:child_process";
import { constants as fsc, promises as fsp } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { type RegListRecord, registrantRow, startUacregd, stopAllUacregd, type Uacregd } from "../support/uacregd.js";

const execFileP = promisify(execFile);

let registrar: DemoRegistrar;
let d: Uacregd;
let before: RegListRecord;
const KEY = ["sip:alice@reg.test", "sip:alice@127.0.0.1:5099"];

beforeAll(async () => {
  registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
  const REG = `sip:127.0.0.1:${registrar.port}`;
  KEY.push(REG);
  d = await startUacregd({ rows: [registrantRow({ registrar: REG, state: 1 })] });
  await d.mi("reg_enable", KEY);
  [before] = (await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 10_000)) as [RegListRecord];
});

afterAll(async () => {
  await stopAllUacregd();
  await registrar?.close();
});

/** Still alive, still answering, the record as it was. */
async function unharmed(): Promise<void> {
  expect(d.process.exitCode).toBeNull();
  const [now] = await d.list();
  expect(now).toEqual(before);
}

/** Raw HTTP with full control of the headers; resolves "closed" when the server drops the connection unanswered. */
function rawHttp(
  body: string | Buffer,
  headers: Record<string, string | number>,
): Promise<{ status: number; body: string } | "closed"> {
  return new Promise((resolve) => {
    // agent: false, a connection per exchange: a kept-alive one reused as the server closes it would read "closed".
    const req = request(
      { host: "127.0.0.1", port: d.miPort, path: "/mi", method: "POST", headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", () => resolve("closed"));
      },
    );
    req.on("error", () => resolve("closed"));
    req.end(body);
  });
}

describe("the MI over HTTP", () => {
  const PARSE_ERROR = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}';

  it("malformed JSON: 200 with -32700, whatever the garbage", async () => {
    const bodies: Array<string | Buffer> = [
      "{",
      '{"jsonrpc":"2.0","method":"reg_list","id":1,}',
      "{'jsonrpc':'2.0'}",
      '{"jsonrpc":"2.0","method":"reg_list","id":"1"',
      "\u0000\u0001\u0002",
      Buffer.from([0xff, 0xfe, 0xfd, 0x7b]),
      '"unterminated',
      "nul",
      "   ",
    ];
    for (const b of bodies) {
      const r = await d.http(b);
      expect(r.status, JSON.stringify(b.toString())).toBe(200);
      expect(r.body).toBe(PARSE_ERROR);
    }
    await unharmed();
  });

  it("deep nesting and odd values inside the size limit: an answer, no crash", async () => {
    for (const b of [
      "[".repeat(60_000),
      '{"a":'.repeat(12_000),
      `{"jsonrpc":"2.0","method":"reg_list","id":"n","params":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
      '{"jsonrpc":"2.0","method":"reg_list","id":1e400}',
      '{"jsonrpc":"2.0","method":"reg_list","id":"\\ud800"}',
      '{"jsonrpc":"2.0","method":"\\u0000reg_list","id":"z"}',
      '{"jsonrpc":"2.0","method":"reg_list","id":"d","params":{"aor":"\\u0000","contact":"\\n","registrar":"\\""}}',
    ]) {
      const r = await d.http(b);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toHaveProperty("jsonrpc", "2.0");
    }
    await unharmed();
  });

  it("oversized bodies (> max_body 65536): 400 empty, declared or chunked; the next request works", async () => {
    const big = `{"jsonrpc":"2.0","method":"reg_list","id":"big","params":["${"a".repeat(70_000)}","b","c"]}`;
    const declared = await d.http(big);
    expect(declared).toMatchObject({ status: 400, body: "" });
    const chunked = await rawHttp(big, { "content-type": "application/json", "transfer-encoding": "chunked" });
    expect(chunked === "closed" || (chunked.status === 400 && chunked.body === "")).toBe(true);
    // Declaring a huge body and sending little: refused on the header alone.
    const liar = await rawHttp("{}", { "content-type": "application/json", "content-length": 10_000_000 });
    expect(liar === "closed" || liar.status === 400).toBe(true);
    const empty = await d.http("");
    expect(empty).toMatchObject({ status: 400, body: "" });
    await unharmed();
  });

  it("wrong content types: the connection is closed unanswered; application/json;charset and text/xml work", async () => {
    const req = '{"jsonrpc":"2.0","method":"version","id":"t"}';
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/jsonx",
      "multipart/form-data",
    ]) {
      expect(await rawHttp(req, { "content-type": type, "content-length": req.length })).toBe("closed");
    }
    expect(await rawHttp(req, { "content-length": req.length })).toBe("closed");
    for (const type of ["application/json; charset=utf-8", "APPLICATION/JSON", "text/xml"]) {
      const r = await rawHttp(req, { "content-type": type, "content-length": req.length });
      expect(r).toMatchObject({ status: 200 });
      expect((r as { body: string }).body).toMatch(/"result":\{"Server":"uacreg /);
    }
    await unharmed();
  });

  it("a stalled half-sent request and a garbage connection do not block other clients", async () => {
    const stalled = connect(d.miPort, "127.0.0.1");
    await new Promise<void>((r) => stalled.once("connect", () => r()));
    stalled.write("POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    const junk = connect(d.miPort, "127.0.0.1");
    junk.on("error", () => {});
    await new Promise<void>((r) => junk.once("connect", () => r()));
    junk.write("\u0000\u0001 GARBAGE / NOT-HTTP\r\n\r\n");
    const r = await d.http('{"jsonrpc":"2.0","method":"version","id":1}');
    expect(r.status).toBe(200);
    stalled.destroy();
    junk.destroy();
    await unharmed();
  });
});

let seq = 0;

/**
 * Writes `payload` (built from the reply name) to the server FIFO in one write, with a reply FIFO made beforehand
 * at `dir + name`; resolves with the reply, or undefined when the server never opened the reply FIFO within
 * timeoutMs. `name` may contain path characters: it is then the path relative to `dir`.
 */
async function fifoExchange(
  payload: (name: string) => string | Buffer,
  opts: { name?: string; dir?: string; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const dir = opts.dir ?? `${d.dir}/`;
  const name = opts.name ?? `bad_input_reply_${process.pid}_${++seq}`;
  const replyPath = dir + name;
  await execFileP("mkfifo", ["-m", "0600", replyPath]);
  try {
    const w = await fsp.open(d.fifoPath, fsc.O_WRONLY);
    const bytes = payload(name);
    await w.write(typeof bytes === "string" ? Buffer.from(bytes) : bytes);
    await w.close();
    let released = false;
    const timer = setTimeout(async () => {
      released = true;
      const fh = await fsp.open(replyPath, fsc.O_WRONLY | fsc.O_NONBLOCK).catch(() => undefined);
      await fh?.close();
    }, opts.timeoutMs ?? 600);
    const r = await fsp.open(replyPath, fsc.O_RDONLY);
    const text = await r.readFile("utf8");
    await r.close();
    clearTimeout(timer);
    return released && text === "" ? undefined : text;
  } finally {
    await fsp.rm(replyPath, { force: true });
  }
}

const VERSION = '{"jsonrpc":"2.0","method":"version","id":"v"}';
/** How long to wait for a reply that must come: only a server that never answers reaches it. */
const REPLY_MS = 20_000;
const okReply = (r: string | undefined) =>
  expect(r).toMatch(/^\{"jsonrpc":"2\.0","result":\{"Server":"uacreg .*"id":"v"\}$/);

/** The "MI FIFO input dropped" lines (debug) the daemon logged so far. */
const fifoDrops = () => d.logs().filter((l) => l.includes("MI FIFO input dropped")).length;

/**
 * Waits until the daemon logged `n` FIFO drops. Garbage makes the server drop everything it has read (docs/mi-protocol.md
 * §4), so the next request goes only once the garbage was read and dropped: a loaded machine could otherwise hand the
 * server both in one read, and both would be dropped.
 */
async function untilDropped(n: number): Promise<void> {
  const end = Date.now() + REPLY_MS;
  while (fifoDrops() < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(fifoDrops()).toBeGreaterThanOrEqual(n);
}

describe("the MI over the FIFO", () => {
  it("garbage and broken JSON get no reply; the next request is answered", async () => {
    const n0 = fifoDrops();
    const w = await fsp.open(d.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
    await w.write(
      Buffer.concat([Buffer.from("hello, this is not a request\n"), Buffer.from([0xff, 0x00, 0x3a, 0x3a, 0x3a])]),
    );
    await w.close();
    await untilDropped(n0 + 1);
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    const n1 = fifoDrops();
    expect(await fifoExchange((n) => `:${n}:{"jsonrpc" "2.0"}`)).toBeUndefined();
    expect(await fifoExchange((n) => `:${n}:not json`)).toBeUndefined();
    expect(await fifoExchange((n) => `garbage:${n}:${VERSION}`)).toBeUndefined();
    await untilDropped(n1 + 3);
    okReply(await fifoExchange((n) => `  \n:${n}:${VERSION}\n`, { timeoutMs: REPLY_MS }));
    await unharmed();
  });

  it("a truncated request is discarded once stale; an oversized one is dropped", async () => {
    expect(await fifoExchange((n) => `:${n}:{"jsonrpc":"2.0","method":"ver`, { timeoutMs: 500 })).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2200));
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    const huge = (n: string) => `:${n}:{"jsonrpc":"2.0","method":"version","id":"${"x".repeat(70_000)}"}`;
    expect(await fifoExchange(huge, { timeoutMs: 1500 })).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2200));
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    await unharmed();
  });

  it("forbidden reply names (. / \\) are refused: nothing is opened, even where a FIFO waits", async () => {
    await fsp.mkdir(join(d.dir, "sub"));
    const outside = `${tmpdir()}/`;
    const escapeName = `uacreg_escape_${process.pid}_${Date.now()}`;
    expect(await fifoExchange((n) => `:${n}:${VERSION}`, { name: "sub/x" })).toBeUndefined();
    expect(
      await fifoExchange(() => `:../${escapeName}:${VERSION}`, { name: escapeName, dir: outside }),
    ).toBeUndefined();
    expect(await fifoExchange((n) => `:${n}:${VERSION}`, { name: "a.b" })).toBeUndefined();
    expect(await fifoExchange((n) => `:${n}:${VERSION}`, { name: "back\\slash" })).toBeUndefined();
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    await unharmed();
  });

  it("a reply path that is a regular file, a symlink or missing is not written; the daemon goes on", async () => {
    const file = join(d.dir, "plainfile");
    await fsp.writeFile(file, "untouched");
    const w = await fsp.open(d.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
    await w.write(`:plainfile:${VERSION}`);
    await w.write(`:nosuchreply:${VERSION}`);
    await w.close();
    // A symlink to a waiting FIFO elsewhere.
    const target = join(tmpdir(), `uacreg_link_target_${process.pid}_${Date.now()}`);
    await fsp.symlink(target, join(d.dir, "link"));
    expect(
      await fifoExchange(() => `:link:${VERSION}`, { name: target.slice(tmpdir().length + 1), dir: `${tmpdir()}/` }),
    ).toBeUndefined();
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    expect(await fsp.readFile(file, "utf8")).toBe("untouched");
    // A reply FIFO nobody reads: the server gives up after its ENXIO retries instead of hanging.
    await execFileP("mkfifo", ["-m", "0600", join(d.dir, "unread")]);
    const w2 = await fsp.open(d.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
    await w2.write(`:unread:${VERSION}`);
    await w2.close();
    const unread = join(d.dir, "unread");
    const gaveUp = () => d.logs().some((l) => l.includes("MI FIFO reply pipe unusable") && l.includes(unread));
    const gaveUpBy = Date.now() + REPLY_MS;
    while (!gaveUp() && Date.now() < gaveUpBy) await new Promise((r) => setTimeout(r, 20));
    expect(gaveUp()).toBe(true);
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    await unharmed();
  });

  it("no descriptor leaks after a barrage of failed FIFO and HTTP exchanges", async () => {
    const fds = async () => (await fsp.readdir(`/proc/${d.process.pid}/fd`)).length;
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    const before = await fds();
    // Two drops a round: the forbidden name a.b and the broken JSON (untilDropped).
    const drops0 = fifoDrops();
    for (let i = 0; i < 30; i++) {
      // ENOENT, a forbidden name, broken JSON (dropped), a reply FIFO nobody reads (ENXIO), then a good one.
      const w = await fsp.open(d.fifoPath, fsc.O_WRONLY);
      await w.write(`:nosuch${i}:${VERSION}:a.b:${VERSION}:x:{bad json}`);
      await w.close();
      await untilDropped(drops0 + 2 * (i + 1));
      expect(await fifoExchange((n) => `:${n}:{"jsonrpc":"2.0","method":"version"}`, { timeoutMs: REPLY_MS })).toBe("");
      await rawHttp("{}", { "content-type": "text/plain", "content-length": 2 });
      await rawHttp("x".repeat(70_000), { "content-type": "application/json", "content-length": 70_000 });
    }
    okReply(await fifoExchange((n) => `:${n}:${VERSION}`, { timeoutMs: REPLY_MS }));
    // Descriptors of the last exchanges close asynchronously: wait for the count to come down (a leak never does).
    const settledBy = Date.now() + 10_000;
    while ((await fds()) > before + 2 && Date.now() < settledBy) await new Promise((r) => setTimeout(r, 50));
    expect(await fds()).toBeLessThanOrEqual(before + 2);
    await unharmed();
  });

  it("an empty reply name runs the command and replies nothing", async () => {
    const w = await fsp.open(d.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
    await w.write(
      `::{"jsonrpc":"2.0","method":"reg_upsert","id":"u","params":["sip:quiet@reg.test","sip:quiet@127.0.0.1:5097","${KEY[2]}","","","","","","60","","","1"]}`,
    );
    await w.close();
    const deadline = Date.now() + 3000;
    let l = await d.list();
    while (l.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      l = await d.list();
    }
    expect(l.map((r) => r.AOR)).toEqual(expect.arrayContaining(["sip:alice@reg.test", "sip:quiet@reg.test"]));
    expect(await d.mi("reg_delete", ["sip:quiet@reg.test", "sip:quiet@127.0.0.1:5097", KEY[2]])).toBe("OK");
    await unharmed();
  });
});
