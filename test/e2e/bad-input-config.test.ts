/**
 * A bad config stops `uacregd --config` (and `--check-config`) with a non-zero exit and ONE message naming the key
 * and the value; a password in a db_url never shows.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { UACREGD } from "../support/uacregd.js";

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "uacregd-badcfg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// At most 3 daemons at once: the machine is shared, and a few dozen node start-ups at once starve each other.
let slots = 3;
const queue: Array<() => void> = [];
async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((r) => queue.push(r));
  else slots--;
  try {
    return await f();
  } finally {
    const next = queue.shift();
    if (next) next();
    else slots++;
  }
}

let n = 0;
async function uacregd(args: string[], doc: unknown): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `c${++n}.yaml`);
  writeFileSync(file, typeof doc === "string" ? doc : stringify(doc));
  try {
    const r = await limited(() =>
      execFileP(process.execPath, [UACREGD, ...args, file], { timeout: 60_000, killSignal: "SIGKILL" }),
    );
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, out: x.stdout ?? "", err: x.stderr ?? "" };
  }
}

/** Loopback-only, FIFO off, metrics off: a config that would start if the bad key were absent. */
const base = (over: Record<string, unknown>) => ({
  listen: ["udp:127.0.0.1:0"],
  db_url: `sqlite://${dir}/never.db`,
  mi: { http: null, fifo: null },
  metrics: null,
  ...over,
});

const CASES: Array<[string, Record<string, unknown>, string, string]> = [
  ["unknown key", { registrant: { hash_sise: 2 } }, "registrant.hash_sise", "2"],
  ["unknown top-level key", { tiemr: 1 }, "tiemr", "1"],
  ["wrong type", { registrant: { timer_interval: "soon" } }, "registrant.timer_interval", '"soon"'],
  [
    "wrong type (bool)",
    { registrant: { unregister_on_shutdown: "yes" } },
    "registrant.unregister_on_shutdown",
    '"yes"',
  ],
  ["hash_size 0", { registrant: { hash_size: 0 } }, "registrant.hash_size", "0"],
  ["timer_interval 5", { registrant: { timer_interval: 5 } }, "registrant.timer_interval", "5"],
  ["bad listen spec", { listen: ["udp:127.0.0.1"] }, "listen[0]", '"udp:127.0.0.1"'],
  ["bad listen proto", { listen: ["sctp:127.0.0.1:5060"] }, "listen[0]", '"sctp:127.0.0.1:5060"'],
  ["listen on a host name", { listen: ["udp:sip.example.com:5060"] }, "listen[0]", '"udp:sip.example.com:5060"'],
  ["tls listen without cert", { listen: ["udp:127.0.0.1:0", "tls:127.0.0.1:0"] }, "listen[1]", '"tls:127.0.0.1:0"'],
  ["bad db_url scheme", { db_url: "oracle://u@h/db" }, "db_url", '"oracle://u@h/db"'],
  [
    "bad db_url with a password",
    { db_url: "mysql://opensips:Db-Pass-6612w@db.example" },
    "db_url",
    '"mysql://opensips:***@db.example"',
  ],
  ["bad mi.http.listen", { mi: { http: { listen: "localhost" }, fifo: null } }, "mi.http.listen", '"localhost"'],
  ["mi.http.max_connections 0", { mi: { http: { max_connections: 0 }, fifo: null } }, "mi.http.max_connections", "0"],
  ["bad table_name", { registrant: { table_name: "reg; drop" } }, "registrant.table_name", '"reg; drop"'],
  ["bad column name", { registrant: { aor_column: "a-o-r" } }, "registrant.aor_column", '"a-o-r"'],
];

describe.concurrent("uacregd refuses a bad config with one message naming the key and the value", () => {
  it.each(CASES)("%s", async (_what, over, key, value) => {
    for (const flag of ["--config", "--check-config"]) {
      const r = await uacregd([flag], base(over));
      expect(r.code, `${flag}: ${r.err}`).not.toBe(0);
      expect(r.out).toBe("");
      const lines = r.err.split("\n").filter(Boolean);
      expect(lines, r.err).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^uacregd: config: ${key.replace(/[[\]().]/g, "\\$&")}: `));
      expect(lines[0]).toContain(`(got ${value})`);
      expect(r.err).not.toContain("Db-Pass-6612w");
    }
  });

  it("not YAML, or an unreadable file: one message naming --config", async () => {
    const r = await uacregd(["--config"], "listen: [udp:127.0.0.1:0\nmi: {");
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^uacregd: config: --config: not valid YAML: /);
    const missing = await limited(() =>
      execFileP(process.execPath, [UACREGD, "--config", join(dir, "nope.yaml")]),
    ).catch((e: { code: number; stderr: string }) => e);
    expect((missing as { code: number }).code).not.toBe(0);
    expect((missing as { stderr: string }).stderr.trim()).toMatch(
      /^uacregd: config: --config: cannot read the file \(ENOENT\) \(got ".*nope\.yaml"\)$/,
    );
  });

  it("a socket that cannot be bound (address not local, MI port taken): exit 1 with one fatal line naming it", async () => {
    const notLocal = await uacregd(["--config"], base({ listen: ["udp:192.0.2.1:5060"] }));
    expect(notLocal.code).toBe(1);
    const fatal = (out: string) => out.split("\n").filter((l) => l.includes('"level":60'));
    expect(fatal(notLocal.out)).toHaveLength(1);
    expect(fatal(notLocal.out)[0]).toContain("udp:192.0.2.1:5060");
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    const taken = await uacregd(["--config"], base({ mi: { http: { listen: `127.0.0.1:${port}` }, fifo: null } }));
    busy.close();
    expect(taken.code).toBe(1);
    expect(fatal(taken.out)).toHaveLength(1);
    expect(fatal(taken.out)[0]).toMatch(new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
  });

  it("an MI FIFO path whose directory is missing or is a regular file: exit 1 with one fatal line naming the path", async () => {
    const file = join(dir, "j-a-regular-file");
    writeFileSync(file, "not a directory\n");
    const cases: Array<[string, string]> = [
      [join(dir, "j-no-such-dir", "uacreg_fifo"), "ENOENT"],
      [join(file, "uacreg_fifo"), "ENOTDIR"],
    ];
    for (const [path, code] of cases) {
      const r = await uacregd(["--config"], base({ mi: { http: null, fifo: { path, reply_dir: `${dir}/` } } }));
      expect(r.code, r.out).toBe(1);
      const fatal = r.out.split("\n").filter((l) => l.includes('"level":60'));
      expect(fatal, r.out).toHaveLength(1);
      expect(fatal[0]).toContain(path);
      expect(fatal[0]).toContain(code);
    }
    expect(existsSync(join(dir, "j-no-such-dir"))).toBe(false);
  });

  it("a db_url option the driver does not know: one fatal line at start, a password option masked", async () => {
    const r = await uacregd(
      ["--config"],
      base({ db_url: "postgres://postgres@127.0.0.1:1/test?password=QueryPw-991" }),
    );
    expect(r.code).toBe(1);
    const fatal = r.out.split("\n").filter((l) => l.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain('unknown option \\"password\\"');
    expect(fatal[0]).toContain("password=***");
    expect(r.out + r.err).not.toContain("QueryPw-991");
  });

  it("a SQLite db_url whose directory cannot be made (under /proc) or that is not a database: exit 1, one line", async () => {
    const notADb = join(dir, "not-a-database.txt");
    writeFileSync(notADb, "hello\n".repeat(1000));
    for (const db_url of ["sqlite:///proc/uacreg-nope/r.db", `sqlite://${notADb}`]) {
      const r = await uacregd(["--config"], base({ db_url }));
      expect(r.code, r.out).toBe(1);
      const fatal = r.out.split("\n").filter((l) => l.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(JSON.parse(fatal[0]!)).toMatchObject({ msg: "cannot open the database" });
    }
  });

  it("--check-config on a good config prints ok and exits 0 without starting anything", async () => {
    const r = await uacregd(["--check-config"], base({ registrant: { hash_size: 2, timer_interval: 20 } }));
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toMatch(/: ok\n$/);
  });
});
