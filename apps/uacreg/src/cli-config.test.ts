import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type ConfigEnvironment, loadConfig } from "@uacreg/config";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "uacreg-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function uacreg(argv: string[], env: Record<string, string>) {
  const environment: ConfigEnvironment = { env, cwd: dir, uid: 1000 };
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, environment);
  return { code, out, err };
}

/** The message @uacreg/config gives for a file: what uacregd prints after `uacregd: `. */
function daemonRefusal(path: string): string {
  try {
    loadConfig({ config: path }, { env: {}, cwd: dir, uid: 1000 });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("accepted");
}

describe("uacreg reads the uacregd configuration", () => {
  it.each([
    ["unknown key", "registrant: {hash_sise: 2}\n"],
    ["hash_size out of range", "registrant: {hash_size: 0}\n"],
    ["a socket spec the transport refuses", "listen: [udp:sip.example.com:5060]\n"],
    ["a sharing tag core refuses", "clustering: {active_tags: [vip]}\n"],
    ["a db_url with a password that does not parse", "db_url: mysql://opensips:Db-Pass-6612w@db.example\n"],
    ["a bad mi.http.listen", "mi: {http: {listen: localhost}}\n"],
  ])("refuses what the daemon refuses, with the same one line: %s", async (_what, yaml) => {
    const f = file(`bad-${_what.replace(/\W+/g, "-")}.yaml`, yaml);
    const r = await uacreg(["--config", f, "db", "list"], {});
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`ERROR: ${daemonRefusal(f)}\n`);
    expect(r.err).not.toContain("Db-Pass-6612w");
  });

  it("from the file UACREG_CONFIG names when there is no --config", async () => {
    const bad = file("env-bad.yaml", "registrant: {timer_interval: 5}\n");
    const r = await uacreg(["mi", "which"], { UACREG_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ERROR: ${daemonRefusal(bad)}\n`);
  });

  it("puts the default SQLite database in the daemon's data_dir (UACREG_DATA_DIR here)", async () => {
    const data = mkdtempSync(join(dir, "data-"));
    const f = file("no-db-url.yaml", "registrant: {table_name: regs}\n");
    const r = await uacreg(["db", "create"], { UACREG_CONFIG: f, UACREG_DATA_DIR: data });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(`table regs (version 3) and the cluster tables are ready in sqlite://${data}/registrant.db\n`);
    expect(existsSync(join(data, "registrant.db"))).toBe(true);
  });

  it("puts it in ./var for a user who is not root, as uacregd does", async () => {
    const f = file("no-db-url-2.yaml", "mi: {fifo: null}\n");
    const r = await uacreg(["--config", f, "db", "create"], {});
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(
      `table registrant (version 3) and the cluster tables are ready in sqlite://${dir}/var/registrant.db\n`,
    );
    expect(existsSync(join(dir, "var", "registrant.db"))).toBe(true);
  });
});
