import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigEnvironment } from "@uacreg/config";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "uacregd-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `uacregd argv` in `environment` without starting anything; what it printed, and its exit code. */
async function uacregd(argv: string[], env: Record<string, string>) {
  const environment: ConfigEnvironment = { env, cwd: dir, uid: 1000 };
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const code = await main(argv, environment);
  vi.restoreAllMocks();
  return { code, out, err };
}

const good = "listen: [udp:127.0.0.1:0]\nmi: {http: null, fifo: null}\nmetrics: null\n";

describe("uacregd finds its configuration", () => {
  it("in the file UACREG_CONFIG names when there is no --config", async () => {
    const bad = file("env-bad.yaml", `${good}registrant: {hash_size: 0}\n`);
    const r = await uacregd([], { UACREG_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^uacregd: config: registrant\.hash_size: .*\(got 0\)\n$/);
  });

  it("in --config over UACREG_CONFIG", async () => {
    const bad = file("env-bad2.yaml", "tiemr: 1\n");
    const r = await uacregd(["--check-config", file("flag-good.yaml", good)], { UACREG_CONFIG: bad });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(`${join(dir, "flag-good.yaml")}: ok\n`);
  });
});

describe("uacregd --check-config", () => {
  it("also refuses a db_url option the driver would refuse, offline, the password option masked", async () => {
    const f = file("opt.yaml", `${good}db_url: "postgres://postgres@127.0.0.1:1/test?password=QueryPw-991"\n`);
    const r = await uacregd(["--check-config", f], {});
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      'uacregd: config: db_url: unknown option "password" for postgres (known: ssl, sslmode, connect_timeout, ' +
        'application_name) (got "postgres://postgres@127.0.0.1:1/test?password=***")\n',
    );
  });
});
