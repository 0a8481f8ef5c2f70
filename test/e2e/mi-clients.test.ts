/**
 * The MI of the running daemon through real clients (docs/mi-protocol.md §3–§6): the `uacreg mi` CLI over HTTP and over
 * the FIFO, curl, and a client that puts exactly opensips-cli 0.4's bytes on the wire. Byte-level checks of the reply
 * format, the id echo rules and every core error of §3.
 */
import { execFile } from "node:child_process";
import { existsSync, constants as fsc, promises as fsp } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoRegistrar, type DemoRegistrar } from "@uacreg/demo-registrar";
import { registrantRow, startUacregd, stopAllUacregd, UACREG_CLI, type Uacregd } from "../support/uacregd.js";

const execFileP = promisify(execFile);
const CURL = "/usr/bin/curl";
const PASSWORD = "Pw-Alice-7731x";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[]): Promise<Run> {
  try {
    const r = await execFileP(file, args, { timeout: 15_000, encoding: "utf8" });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

const cli = (args: string[]) => run(process.execPath, [UACREG_CLI, "mi", ...args]);

/** Python's json.dumps with its default separators (", " and ": ") and ensure_ascii, for strings, objects, arrays. */
function pyDumps(v: unknown): string {
  if (typeof v === "string") {
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyDumps(k)}: ${pyDumps(x)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(v);
}

/** opensips-cli's request: key order jsonrpc, id, method, params; string id 0..32767; no params → {}. */
function opensipsCliRequest(method: string, params: unknown[] | Record<string, string> = {}): string {
  return pyDumps({ jsonrpc: "2.0", id: String(Math.floor(Math.random() * 32768)), method, params });
}

/** POST as Python urllib does (opensips-cli's HTTP transport): one connection per request. */
function urllibPost(
  url: string,
  body: string,
): Promise<{ status: number; body: string; type?: string; connection?: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        path: u.pathname,
        method: "POST",
        headers: {
          "Accept-Encoding": "identity",
          "Content-Length": Buffer.byteLength(body),
          "User-Agent": "Python-urllib/3.11",
          "Content-Type": "application/json",
          Connection: "close",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            type: res.headers["content-type"],
            connection: res.headers.connection,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let replySeq = 0;

/**
 * One FIFO exchange the way opensips-cli does it: mkfifo the reply FIFO (0666) in the reply dir, write
 * `:<name>:<json>` to the server FIFO in one write and close it, then open the reply FIFO for reading (blocking until
 * the server opens it) and read. `upTo: "line"` stops at the first newline (opensips-cli's readline), "eof" reads
 * everything. Resolves undefined when the server never opened the reply FIFO within timeoutMs (default 20 s: a bound
 * that only fails a server that never answers, however loaded the machine).
 */
async function fifoExchange(
  d: Uacregd,
  payload: string | ((replyName: string) => string),
  opts: { timeoutMs?: number; upTo?: "line" | "eof"; replyName?: string } = {},
): Promise<string | undefined> {
  const name = opts.replyName ?? `opensips_fifo_reply_${process.pid}_${Date.now()}_${++replySeq}`;
  const replyPath = join(d.dir, name);
  await execFileP("mkfifo", ["-m", "0666", replyPath]);
  try {
    const w = await fsp.open(d.fifoPath, fsc.O_WRONLY);
    await w.write(Buffer.from(typeof payload === "string" ? payload : payload(name), "utf8"));
    await w.close();
    let released = false;
    const timer = setTimeout(async () => {
      released = true;
      // Releases our pending open: a writer appears, writes nothing, goes.
      const fh = await fsp.open(replyPath, fsc.O_WRONLY | fsc.O_NONBLOCK).catch(() => undefined);
      await fh?.close();
    }, opts.timeoutMs ?? 20_000);
    const r = await fsp.open(replyPath, fsc.O_RDONLY);
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      const { bytesRead } = await r.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
      if (opts.upTo === "line" && buf.subarray(0, bytesRead).includes(10)) break;
    }
    await r.close();
    clearTimeout(timer);
    if (released && chunks.length === 0) return undefined;
    const text = Buffer.concat(chunks).toString("utf8");
    return opts.upTo === "line" ? text.split("\n")[0] : text;
  } finally {
    await fsp.rm(replyPath, { force: true });
  }
}

const fifoCall = (d: Uacregd, json: string, opts?: { timeoutMs?: number }) =>
  fifoExchange(d, (name) => `:${name}:${json}`, opts);

afterAll(stopAllUacregd);

let registrar: DemoRegistrar;
let d: Uacregd;
const AOR = "sip:alice@reg.test";
const CONTACT = "sip:alice@127.0.0.1:5099";
let REG: string;

beforeAll(async () => {
  registrar = await startDemoRegistrar({ users: { alice: PASSWORD }, realm: "reg.test" });
  REG = `sip:127.0.0.1:${registrar.port}`;
  // state 1 (disabled) + reg_enable: registers at once instead of on the first bucket visit.
  d = await startUacregd({ rows: [registrantRow({ registrar: REG, password: PASSWORD, state: 1 })] });
  await d.mi("reg_enable", [AOR, CONTACT, REG]);
  await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 10_000);
});

afterAll(async () => {
  await registrar?.close();
});

describe("uacreg mi (the CLI, spawned) against the daemon", () => {
  it("over HTTP: reg_list prints the records, an error reply prints opensips-cli's line and exits 1", async () => {
    const ok = await cli(["--url", d.miUrl, "reg_list"]);
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout) as { Records: Array<Record<string, unknown>> };
    expect(out.Records).toHaveLength(1);
    expect(out.Records[0]).toMatchObject({ AOR, state: "REGISTERED_STATE", enabled: "yes", registrar: REG });
    expect(ok.stdout).not.toContain(PASSWORD);

    const one = await cli([
      "--url",
      d.miUrl,
      "uac_registrant:list",
      `aor=${AOR}`,
      `contact=${CONTACT}`,
      `registrar=${REG}`,
    ]);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as { Registrant: { AOR: string } }).Registrant.AOR).toBe(AOR);

    const missing = await cli(["--url", d.miUrl, "reg_list", "sip:nobody@x", CONTACT, REG]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      "ERROR: command 'reg_list' returned: Error executing command: 404: No such registrant",
    );
    const unknown = await cli(["--url", d.miUrl, "reg_nothing"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      "ERROR: command 'reg_nothing' returned: Error executing command: -32601: Method not found",
    );
  });

  it("--config with the daemon's own YAML finds the MI; `uacreg db list` masks the password", async () => {
    const r = await run(process.execPath, [UACREG_CLI, "--config", d.configFile, "mi", "reg_list"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { Records: Array<{ AOR: string }> }).Records.map((x) => x.AOR)).toEqual([AOR]);
    const db = await run(process.execPath, [UACREG_CLI, "--config", d.configFile, "db", "list"]);
    expect(db.code).toBe(0);
    const rows = JSON.parse(db.stdout) as Array<{ aor: string; password: string }>;
    expect(rows.map((x) => [x.aor, x.password])).toEqual([[AOR, "********"]]);
    expect(db.stdout + db.stderr).not.toContain(PASSWORD);
  });

  it("over the FIFO (reply dir = the daemon's reply_dir): reg_list, uptime, and a -32602 error", async () => {
    const fifo = ["--fifo", d.fifoPath, "--reply-dir", `${d.dir}/`];
    const list = await cli([...fifo, "reg_list", AOR, CONTACT, REG]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { Registrant: { state: string } }).Registrant.state).toBe("REGISTERED_STATE");
    const up = await cli([...fifo, "uptime"]);
    expect(up.code).toBe(0);
    expect(Object.keys(JSON.parse(up.stdout) as object)).toEqual(["Now", "Up since", "Up time"]);
    const bad = await cli([...fifo, "reg_list", AOR]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      "ERROR: command 'reg_list' returned: Error executing command: -32602: Invalid params (Too few or too many parameters)",
    );
  });
});

describe("curl over HTTP", () => {
  it("POST gives 200 application/json with Content-Length and the exact compact bytes", async () => {
    expect(existsSync(CURL)).toBe(true);
    const body = '{"jsonrpc":"2.0","method":"which","id":"c1","params":{"command":"reg_list"}}';
    const r = await run(CURL, ["-s", "-i", "-H", "Content-Type: application/json", "--data-binary", body, d.miUrl]);
    expect(r.code).toBe(0);
    const [head, payload] = r.stdout.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/json\r\n/i);
    const expected = '{"jsonrpc":"2.0","result":[[],["aor","contact","registrar"]],"id":"c1"}';
    expect(head).toMatch(new RegExp(`\\r\\nContent-Length: ${expected.length}(\\r\\n|$)`, "i"));
    expect(payload).toBe(expected);
  });

  it("GET on the root is 405 empty, another path 400 html, PUT 406, a notification 202 empty", async () => {
    const status = async (args: string[]) =>
      (await run(CURL, ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", ...args])).stdout;
    expect(await status([d.miUrl])).toBe("405 0");
    const get = await run(CURL, ["-s", "-i", d.miUrl]);
    expect(get.stdout).toMatch(/^HTTP\/1\.1 405 [^\r]*\r\n/);
    expect(get.stdout).toMatch(/\r\nContent-Length: 0\r\n/i);
    expect(get.stdout).not.toMatch(/Transfer-Encoding/i);
    const base = d.miUrl.replace(/\/mi$/, "");
    const path = await run(CURL, [
      "-s",
      "-w",
      " %{http_code}",
      "-H",
      "Content-Type: application/json",
      "-d",
      "{}",
      `${base}/mix`,
    ]);
    expect(path.stdout).toBe("<html><body>Unable to parse URL!</body></html> 400");
    const put = await run(CURL, ["-s", "-X", "PUT", "-w", " %{http_code}", d.miUrl]);
    expect(put.stdout).toBe("<html><body>Unsupported HTTP request!</body></html> 406");
    const note = '{"jsonrpc":"2.0","method":"uptime"}';
    expect(await status(["-H", "Content-Type: application/json", "--data-binary", note, d.miUrl])).toBe("202 0");
    // /mi/ and /mi/x and a query string still reach the MI (mi_http's URL rule).
    for (const p of ["/mi/", "/mi/x", "/mi?x=1"]) {
      const r = await run(CURL, [
        "-s",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        '{"jsonrpc":"2.0","method":"version","id":1}',
        `${base}${p}`,
      ]);
      expect(r.stdout).toMatch(/^\{"jsonrpc":"2\.0","result":\{"Server":"uacreg [^"]+"\},"id":1\}$/);
    }
  });
});

describe("reply bytes (docs/mi-protocol.md §3)", () => {
  const call = async (req: string) => {
    const r = await d.http(req);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(Number(r.headers["content-length"])).toBe(Buffer.byteLength(r.body));
    return r.body;
  };

  it("is compact JSON, keys jsonrpc, result|error, id, no trailing newline, on HTTP and FIFO alike", async () => {
    const req = '{"jsonrpc":"2.0","method":"reg_list","id":"k","params":[]}';
    const http = await call(req);
    expect(http.startsWith('{"jsonrpc":"2.0","result":{"Records":[{"AOR":"sip:alice@reg.test","expires":60,')).toBe(
      true,
    );
    expect(http.endsWith('}]},"id":"k"}')).toBe(true);
    expect(http).not.toMatch(/[\r\n\t]/);
    expect(http).toBe(JSON.stringify(JSON.parse(http)));
    const fifo = await fifoExchange(d, (n) => `:${n}:${req}`, { upTo: "eof" });
    expect(fifo).toBe(http);
    const err = await call('{"jsonrpc":"2.0","method":"reg_list","id":"e","params":["a"]}');
    expect(err).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"e"}',
    );
    expect(await fifoCall(d, '{"jsonrpc":"2.0","method":"reg_list","id":"e","params":["a"]}')).toBe(err);
  });

  it("echoes the id: string verbatim (only JSON's escapes, / and UTF-8 as is), number, fraction truncated, null", async () => {
    const v = (id: string) => call(`{"jsonrpc":"2.0","method":"version","id":${id}}`);
    const tail = (id: string) => new RegExp(`^\\{"jsonrpc":"2\\.0","result":\\{"Server":"[^"]+"\\},"id":${id}\\}$`);
    expect(await v('"8999"')).toMatch(tail('"8999"'));
    expect(await v('"a/b\\"c\\\\d\\n\\u0001é"')).toMatch(tail('"a/b\\\\"c\\\\\\\\d\\\\n\\\\u0001é"'));
    expect(await v("42")).toMatch(tail("42"));
    expect(await v("1.5")).toMatch(tail("1"));
    expect(await v("7.99")).toMatch(tail("7"));
    expect(await v("null")).toMatch(tail("null"));
    expect(await fifoCall(d, '{"jsonrpc":"2.0","method":"version","id":3.7}')).toMatch(tail("3"));
  });
});

describe("every core error of §3", () => {
  const err = (code: number, message: string, id: string, data?: string) =>
    `{"jsonrpc":"2.0","error":{"code":${code},"message":"${message}"${data ? `,"data":"${data}"` : ""}},"id":${id}}`;
  const post = async (body: string) => {
    const r = await d.http(body);
    expect(r.status).toBe(200);
    return r.body;
  };

  it("-32700 Parse error over HTTP (id null), also for a notification", async () => {
    expect(await post('{"jsonrpc":"2.0","method":')).toBe(err(-32700, "Parse error", "null"));
    expect(await post("not json at all")).toBe(err(-32700, "Parse error", "null"));
  });

  it("-32600 Invalid Request: bad jsonrpc, missing method, non-string method, array body, bad params, bad id", async () => {
    expect(await post('{"jsonrpc":"1.0","method":"uptime","id":"1"}')).toBe(err(-32600, "Invalid Request", '"1"'));
    expect(await post('{"method":"uptime","id":"2"}')).toBe(err(-32600, "Invalid Request", '"2"'));
    expect(await post('{"jsonrpc":"2.0","id":"3"}')).toBe(err(-32600, "Invalid Request", '"3"'));
    expect(await post('{"jsonrpc":"2.0","method":5,"id":"4"}')).toBe(err(-32600, "Invalid Request", '"4"'));
    expect(await post('[{"jsonrpc":"2.0","method":"uptime","id":"5"}]')).toBe(err(-32600, "Invalid Request", "null"));
    expect(await post('{"jsonrpc":"2.0","method":"uptime","id":"6","params":"x"}')).toBe(
      err(-32600, "Invalid Request", '"6"'),
    );
    expect(await post('{"jsonrpc":"2.0","method":"uptime","id":true}')).toBe(err(-32600, "Invalid Request", "null"));
    expect(await post('{"jsonrpc":"2.0","method":"uptime","id":{"a":1}}')).toBe(err(-32600, "Invalid Request", "null"));
    // The FIFO answers the two requests that crash OpenSIPS 3.6.8's MI process (§4) with -32600.
    expect(await fifoCall(d, '{"jsonrpc":"2.0","id":"7"}')).toBe(err(-32600, "Invalid Request", '"7"'));
    expect(await fifoCall(d, '[{"jsonrpc":"2.0","method":"uptime","id":"8"}]')).toBe(
      err(-32600, "Invalid Request", "null"),
    );
    // ...and the daemon still serves after them.
    expect(await fifoCall(d, '{"jsonrpc":"2.0","method":"version","id":"9"}')).toMatch(/"result":\{"Server"/);
  });

  it("-32601 Method not found", async () => {
    expect(await post('{"jsonrpc":"2.0","method":"reg_nothing","id":"m"}')).toBe(
      err(-32601, "Method not found", '"m"'),
    );
    expect(await post('{"jsonrpc":"2.0","method":"uac_registrant:nothing","id":1}')).toBe(
      err(-32601, "Method not found", "1"),
    );
  });

  it("-32602 Invalid params: each data string the daemon's commands can produce", async () => {
    const ip = (id: string, data: string) => err(-32602, "Invalid params", id, data);
    expect(await post('{"jsonrpc":"2.0","method":"reg_list","id":"a","params":["x","y"]}')).toBe(
      ip('"a"', "Too few or too many parameters"),
    );
    expect(await post('{"jsonrpc":"2.0","method":"reg_enable","id":"b"}')).toBe(
      ip('"b"', "Too few or too many parameters"),
    );
    expect(
      await post(
        '{"jsonrpc":"2.0","method":"reg_list","id":"c","params":{"aor":"a","contact":"b","registrar":"c","x":1}}',
      ),
    ).toBe(ip('"c"', "Too few or too many parameters"));
    expect(
      await post('{"jsonrpc":"2.0","method":"reg_list","id":"d","params":{"aor":"a","contact":"b","registrr":"c"}}'),
    ).toBe(ip('"d"', "Named parameters do not match"));
    expect(
      await post('{"jsonrpc":"2.0","method":"reg_list","id":"e","params":{"aor":["x"],"contact":"b","registrar":"c"}}'),
    ).toBe(ip('"e"', "Bad type for parameter 'aor'"));
    expect(await post('{"jsonrpc":"2.0","method":"reg_disable","id":"f","params":["a",null,"c"]}')).toBe(
      ip('"f"', "Bad type for parameter 'contact'"),
    );
    const upsert = (expiry: string) =>
      `{"jsonrpc":"2.0","method":"reg_upsert","id":"g","params":["sip:z@x","sip:z@h","sip:x","","","","","",${expiry},"","","0"]}`;
    expect(await post(upsert('"soon"'))).toBe(ip('"g"', "Bad type for parameter 'expiry'"));
    expect(await post(upsert("true"))).toBe(ip('"g"', "Bad type for parameter 'expiry'"));
    // A number where a string is expected is printed as a decimal integer (§2): no match, but no type error.
    expect(await post('{"jsonrpc":"2.0","method":"reg_list","id":"h","params":[5,6,7]}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":404,"message":"No such registrant"},"id":"h"}',
    );
  });

  it("404 No such registrant and 404 unknown MI command", async () => {
    for (const m of ["reg_list", "reg_enable", "reg_disable", "reg_force_register", "reg_delete"]) {
      expect(await post(`{"jsonrpc":"2.0","method":"${m}","id":"n","params":["sip:no@x","sip:no@h","sip:x"]}`)).toBe(
        err(404, "No such registrant", '"n"'),
      );
    }
    expect(await post('{"jsonrpc":"2.0","method":"which","id":"w","params":{"command":"nope"}}')).toBe(
      err(404, "unknown MI command", '"w"'),
    );
  });
});

describe("which", () => {
  it("lists the 3.x flat names and the 4.x uac_registrant: names; gives recipes per command", async () => {
    const names = await d.mi<string[]>("which");
    for (const n of [
      "reg_list",
      "reg_reload",
      "reg_enable",
      "reg_disable",
      "reg_force_register",
      "reg_upsert",
      "reg_delete",
    ]) {
      expect(names).toContain(n);
      expect(names).toContain(`uac_registrant:${n.slice(4)}`);
    }
    expect(names).toEqual(expect.arrayContaining(["which", "help", "uptime", "version", "reg_stats"]));
    expect(await d.mi("which", { command: "reg_list" })).toEqual([[], ["aor", "contact", "registrar"]]);
    expect(await d.mi("which", ["uac_registrant:disable"])).toEqual([["aor", "contact", "registrar"]]);
  });
});

describe("a client that behaves exactly like opensips-cli 0.4", () => {
  /** `opensips-cli -x mi CMD args`: `which` first; CMD must be listed; then CMD. Returns the parsed reply of CMD. */
  async function opensipsCli(
    send: (body: string) => Promise<string | undefined>,
    cmd: string,
    args: string[],
  ): Promise<{ result?: unknown; error?: { code: number; message: string; data?: string } }> {
    const which = JSON.parse((await send(opensipsCliRequest("which"))) ?? "null") as { result: string[] };
    if (!which.result.includes(cmd)) throw new Error(`ERROR: no command '${cmd}' in module 'mi'`);
    const named = args.length > 0 && args.every((a) => /^[a-zA-Z._-]+=/.test(a));
    const params = named
      ? Object.fromEntries(args.map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]))
      : args;
    const body = opensipsCliRequest(cmd, params);
    expect(body).toMatch(/^\{"jsonrpc": "2\.0", "id": "\d{1,5}", "method": "[^"]+", "params": /);
    const reply = await send(body);
    return JSON.parse(reply ?? "null") as { result?: unknown; error?: { code: number; message: string } };
  }

  it("over HTTP (urllib's headers, one connection each): reg_list, uac_registrant:list named, an error", async () => {
    const send = async (body: string) => {
      const r = await urllibPost(d.miUrl, body);
      expect(r.status).toBe(200);
      expect(r.type).toBe("application/json");
      expect(r.connection).toBe("close");
      return r.body;
    };
    const all = await opensipsCli(send, "reg_list", []);
    expect((all.result as { Records: Array<{ AOR: string }> }).Records.map((x) => x.AOR)).toEqual([AOR]);
    const one = await opensipsCli(send, "uac_registrant:list", [
      `aor=${AOR}`,
      `contact=${CONTACT}`,
      `registrar=${REG}`,
    ]);
    expect((one.result as { Registrant: { state: string } }).Registrant.state).toBe("REGISTERED_STATE");
    const pos = await opensipsCli(send, "reg_list", [AOR, CONTACT, REG]);
    expect(pos.result).toEqual(one.result);
    const none = await opensipsCli(send, "reg_disable", ["sip:x@y", CONTACT, REG]);
    expect(none.error).toEqual({ code: 404, message: "No such registrant" });
    expect(JSON.stringify([all, one, none])).not.toContain(PASSWORD);
  });

  it("over the FIFO (startup probe, mkfifo'd reply pipe, one write, one readline)", async () => {
    // The server FIFO exists with the configured mode (fifo_mode "0600").
    const st = await fsp.lstat(d.fifoPath);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    // opensips-cli's start-up check opens the server FIFO for writing and closes it without writing.
    const probe = await fsp.open(d.fifoPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
    await probe.close();
    const send = (body: string) => fifoExchange(d, (n) => `:${n}:${body}`, { upTo: "line" });
    const which = await send(opensipsCliRequest("which"));
    expect(which).toMatch(/^\{"jsonrpc":"2\.0","result":\["which",/);
    const one = await opensipsCli(send, "reg_list", [AOR, CONTACT, REG]);
    expect((one.result as { Registrant: { AOR: string } }).Registrant.AOR).toBe(AOR);
    const named = await opensipsCli(send, "uac_registrant:list", [
      `aor=${AOR}`,
      `contact=${CONTACT}`,
      `registrar=${REG}`,
    ]);
    expect(named.result).toEqual(one.result);
    const up = await opensipsCli(send, "uptime", []);
    expect(Object.keys(up.result as object)).toEqual(["Now", "Up since", "Up time"]);
    const wrong = await opensipsCli(send, "reg_list", [AOR]);
    expect(wrong.error).toEqual({ code: -32602, message: "Invalid params", data: "Too few or too many parameters" });
    // Several requests in one write are answered in order, each to its own reply FIFO.
    const a = `opensips_fifo_reply_${process.pid}_multi_a`;
    const b = `opensips_fifo_reply_${process.pid}_multi_b`;
    await execFileP("mkfifo", ["-m", "0666", join(d.dir, b)]);
    const readB = (async () => {
      const fh = await fsp.open(join(d.dir, b), fsc.O_RDONLY);
      const t = await fh.readFile("utf8");
      await fh.close();
      return t;
    })();
    const first = await fifoExchange(
      d,
      `:${a}:{"jsonrpc": "2.0", "id": "1", "method": "version", "params": {}}:${b}:{"jsonrpc": "2.0", "id": "2", "method": "uptime", "params": {}}`,
      { replyName: a, upTo: "eof" },
    );
    expect(first).toMatch(/"result":\{"Server":.*"id":"1"\}$/);
    expect(await readB).toMatch(/"result":\{"Now":.*"id":"2"\}$/);
    await fsp.rm(join(d.dir, b), { force: true });
  });
});

describe("large replies and bursts", () => {
  it("a reg_list of 600 records (~250 KB) arrives whole over the FIFO and HTTP, byte for byte the same", async () => {
    const rows = Array.from({ length: 600 }, (_, i) =>
      registrantRow({
        registrar: "sip:127.0.0.1:9",
        aor: `sip:user${i}@reg.test`,
        binding_URI: `sip:user${i}@127.0.0.1:5099`,
        binding_params: `;+sip.instance="<urn:uuid:00000000-0000-0000-0000-${String(i).padStart(12, "0")}>"`,
        password: PASSWORD,
        state: 1,
      }),
    );
    const big = await startUacregd({ rows });
    const req = '{"jsonrpc":"2.0","method":"reg_list","id":"big"}';
    const http = (await big.http(req)).body;
    expect(http.length).toBeGreaterThan(200_000);
    expect((JSON.parse(http) as { result: { Records: unknown[] } }).result.Records).toHaveLength(600);
    const fifo = await fifoExchange(big, (n) => `:${n}:${req}`, { upTo: "eof", timeoutMs: 20_000 });
    expect(fifo).toBe(http);
    const viaCli = await cli(["--fifo", big.fifoPath, "--reply-dir", `${big.dir}/`, "reg_list"]);
    expect(viaCli.code).toBe(0);
    expect((JSON.parse(viaCli.stdout) as { Records: unknown[] }).Records).toHaveLength(600);
    expect(http).not.toContain(PASSWORD);
    // A request longer than PIPE_BUF (4096) arrives in pieces and is still framed as one.
    const longId = "i".repeat(20_000);
    const longReq = `{"jsonrpc":"2.0","method":"version","id":"${longId}"}`;
    expect(await fifoCall(big, longReq)).toMatch(new RegExp(`"id":"${longId}"\\}$`));
    // Multi-byte UTF-8 split across the pipe's chunks is reassembled, and echoed unescaped.
    const wideId = "é€𝄞".repeat(4000);
    const wide = await fifoCall(big, `{"jsonrpc":"2.0","method":"version","id":"${wideId}"}`);
    expect(wide?.endsWith(`"id":"${wideId}"}`)).toBe(true);
    await big.stop();
  });

  it("200 concurrent HTTP requests and 10 concurrent FIFO requests: each answered, to the right id", async () => {
    const http = await Promise.all(
      Array.from({ length: 200 }, (_, i) => d.http(`{"jsonrpc":"2.0","method":"reg_list","id":${i},"params":[]}`)),
    );
    http.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.endsWith(`,"id":${i}}`)).toBe(true);
    });
    const fifo = await Promise.all(
      Array.from({ length: 10 }, (_, i) => fifoCall(d, `{"jsonrpc":"2.0","method":"version","id":"f${i}"}`)),
    );
    fifo.forEach((r, i) => {
      expect(r).toMatch(new RegExp(`"id":"f${i}"\\}$`));
    });
  });

  it("HTTP ignores bytes after the first JSON value; FIFO notifications get an empty reply (EOF)", async () => {
    const r = await d.http('{"jsonrpc":"2.0","method":"version","id":"t"} trailing garbage');
    expect(r.body).toMatch(/"id":"t"\}$/);
    expect(await fifoCall(d, '{"jsonrpc":"2.0","method":"version"}')).toBe("");
    expect(await fifoCall(d, '{"jsonrpc":"2.0","method":"version","id":[1]}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    );
  });
});
