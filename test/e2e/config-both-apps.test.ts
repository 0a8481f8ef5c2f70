/**
 * `uacregd` and `uacreg` read one configuration file the same way (@uacreg/config): a file the daemon refuses is
 * refused by the tool with the same one-line message, and both find the file through `UACREG_CONFIG`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { UACREG_CLI, UACREGD } from "../support/uacregd.js";

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "uacreg-both-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await execFileP(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 60_000,
      killSignal: "SIGKILL",
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, out: x.stdout ?? "", err: x.stderr ?? "" };
  }
}

let n = 0;
function configFile(doc: Record<string, unknown>): string {
  const file = join(dir, `c${++n}.yaml`);
  writeFileSync(
    file,
    stringify({ listen: ["udp:127.0.0.1:0"], mi: { http: null, fifo: null }, metrics: null, ...doc }),
  );
  return file;
}

const REFUSED: Array<[string, Record<string, unknown>]> = [
  ["unknown key", { registrant: { hash_sise: 2 } }],
  ["timer_interval below the bucket count", { registrant: { hash_size: 5, timer_interval: 20 } }],
  ["listen on a host name", { listen: ["udp:sip.example.com:5060"] }],
  ["bad sharing tag", { clustering: { active_tags: ["vip"] } }],
  ["db_url with a password", { db_url: "mysql://opensips:Db-Pass-6612w@db.example" }],
  ["bad mi.http.listen", { mi: { http: { listen: "localhost" }, fifo: null } }],
];

describe.concurrent("one configuration, read the same way by uacregd and uacreg", () => {
  it.each(REFUSED)("uacreg refuses what uacregd refuses, with the same line: %s", async (_what, doc) => {
    const file = configFile(doc);
    const daemon = await run(UACREGD, ["--check-config", file]);
    const tool = await run(UACREG_CLI, ["--config", file, "db", "list"]);
    expect(daemon.code).toBe(2);
    expect(tool.code).toBe(2);
    const line = daemon.err.replace(/^uacregd: /, "");
    expect(line).toMatch(/^config: .*\n$/);
    expect(tool.err).toBe(`ERROR: ${line}`);
    expect(daemon.err + tool.err).not.toContain("Db-Pass-6612w");
  });

  it("both read the file UACREG_CONFIG names", async () => {
    const file = configFile({ registrant: { hash_size: 0 } });
    const daemon = await run(UACREGD, [], { UACREG_CONFIG: file });
    const tool = await run(UACREG_CLI, ["mi", "which"], { UACREG_CONFIG: file });
    expect(daemon.code).toBe(2);
    expect(daemon.err).toMatch(/^uacregd: config: registrant\.hash_size: .*\(got 0\)\n$/);
    expect(tool).toMatchObject({ code: 2, err: `ERROR: ${daemon.err.replace(/^uacregd: /, "")}` });
  });
});
