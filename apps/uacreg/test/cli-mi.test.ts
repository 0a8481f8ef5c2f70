import { execFile } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { MiError, MiFifoServer, MiHttpServer, MiRegistry } from "@uacreg/mi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";

const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

const seen: unknown[] = [];
let http: MiHttpServer;
let fifo: MiFifoServer;
let url: string;
let dir: string;

beforeAll(async () => {
  const registry = new MiRegistry();
  registry.register({
    name: "reg_list",
    aliases: ["uac_registrant:list"],
    module: "uac_registrant",
    recipes: [[], ["aor", "contact", "registrar"]],
    handler: (p) => {
      if (!p.has("aor"))
        return {
          Records: [{ AOR: "sip:alice@example.com", expires: 3600, state: "REGISTERED_STATE", enabled: "yes" }],
        };
      if (p.string("aor") !== "sip:alice@example.com") throw MiError.command(404, "No such registrant");
      return { Registrant: { AOR: "sip:alice@example.com" } };
    },
  });
  registry.register({
    name: "reg_upsert",
    aliases: ["uac_registrant:upsert"],
    recipes: [["aor", "contact", "registrar", "expiry"]],
    handler: (p) => {
      seen.push({ expiry: p.raw("expiry") });
      return "OK";
    },
  });
  http = new MiHttpServer({ registry, port: 0 });
  url = `http://127.0.0.1:${(await http.listen()).port}/mi`;
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-cli-mi-"));
  fifo = new MiFifoServer({ registry, path: join(dir, "uacreg_fifo"), replyDir: `${dir}/`, checkIntervalMs: 0 });
  await fifo.start();
});

afterAll(async () => {
  await http.close();
  await fifo.stop();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe("uacreg mi over HTTP", () => {
  it("pretty-prints the result with a 4-space indent and exits 0", async () => {
    const r = await cli("mi", "--url", url, "reg_list");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      '{\n    "Records": [\n        {\n            "AOR": "sip:alice@example.com",\n            "expires": 3600,\n            "state": "REGISTERED_STATE",\n            "enabled": "yes"\n        }\n    ]\n}\n',
    );
  });

  it("sends positional and named arguments", async () => {
    const pos = await cli("mi", `--url=${url}`, "reg_list", "sip:alice@example.com", "sip:alice@1.2.3.4", "sip:x");
    const named = await cli(
      "mi",
      "--url",
      url,
      "uac_registrant:list",
      "aor=sip:alice@example.com",
      "contact=c",
      "registrar=r",
    );
    expect(pos.out).toBe('{\n    "Registrant": {\n        "AOR": "sip:alice@example.com"\n    }\n}\n');
    expect(named.out).toBe(pos.out);
  });

  it("prints an error reply like opensips-cli and exits 1", async () => {
    const r = await cli("mi", "--url", url, "reg_list", "sip:bob@example.com", "c", "r");
    expect(r.code).toBe(1);
    expect(r.err).toBe("ERROR: command 'reg_list' returned: Error executing command: 404: No such registrant\n");
    const bad = await cli("mi", "--url", url, "reg_list", "only-one");
    expect(bad.err).toBe(
      "ERROR: command 'reg_list' returned: Error executing command: -32602: Invalid params (Too few or too many parameters)\n",
    );
    const nf = await cli("mi", "--url", url, "nope");
    expect([nf.code, nf.err]).toEqual([
      1,
      "ERROR: command 'nope' returned: Error executing command: -32601: Method not found\n",
    ]);
  });

  it("sends strings unless -j is given", async () => {
    seen.length = 0;
    await cli("mi", "--url", url, "reg_upsert", "aor=a", "contact=c", "registrar=r", "expiry=3600");
    await cli("mi", "-j", "--url", url, "reg_upsert", "aor=a", "contact=c", "registrar=r", "expiry=3600");
    expect(seen).toEqual([{ expiry: "3600" }, { expiry: 3600 }]);
  });

  it("passes arguments that start with '-' after the command name to the command", async () => {
    const r = await cli("mi", "--url", url, "reg_list", "-x", "-y", "-z");
    expect(r.err).toContain("404: No such registrant");
  });

  it("exits 3 with a hint when nothing listens", async () => {
    const closed = new MiHttpServer({ registry: new MiRegistry(), port: 0 });
    const port = (await closed.listen()).port;
    await closed.close();
    const r = await cli("mi", "--url", `http://127.0.0.1:${port}/mi`, "which");
    expect(r.code).toBe(3);
    expect(r.err).toBe(
      `ERROR: cannot reach the MI at http://127.0.0.1:${port}/mi: connection refused: uacregd may not be running, or it listens elsewhere (its mi.http; give --url or --config)\n`,
    );
  });

  it("exits 3 on an HTTP error status (wrong root)", async () => {
    const r = await cli("mi", "--url", url.replace(/\/mi$/, "/other"), "which");
    expect(r.code).toBe(3);
    expect(r.err).toContain("HTTP 400");
  });

  it("reads the MI address from the daemon's YAML config", async () => {
    const cfg = join(dir, "uacreg.yaml");
    const port = new URL(url).port;
    await fsp.writeFile(cfg, `mi:\n  http:\n    listen: "0.0.0.0:${port}"\n    root: /mi/\n`);
    const r = await cli("--config", cfg, "mi", "which");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(expect.arrayContaining(["which", "reg_list", "uac_registrant:list"]));
  });
});

describe("uacreg mi over the FIFO", () => {
  it("round-trips like opensips-cli and removes its reply FIFO", async () => {
    const r = await cli(
      "mi",
      "--fifo",
      fifo.path,
      "--reply-dir",
      dir,
      "reg_list",
      "aor=sip:alice@example.com",
      "contact=c",
      "registrar=r",
    );
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toBe('{\n    "Registrant": {\n        "AOR": "sip:alice@example.com"\n    }\n}\n');
    const left = (await fsp.readdir(dir)).filter((n) => n.startsWith("uacreg_reply_"));
    expect(left).toEqual([]);
  });

  it("prints error replies from the FIFO too", async () => {
    const r = await cli("mi", "--fifo", fifo.path, "--reply-dir", `${dir}/`, "reg_list", "x", "y", "z");
    expect([r.code, r.err]).toEqual([
      1,
      "ERROR: command 'reg_list' returned: Error executing command: 404: No such registrant\n",
    ]);
  });

  it("takes mi.fifo from the config when mi.http is turned off", async () => {
    const cfg = join(dir, "fifo-only.yaml");
    await fsp.writeFile(cfg, `mi:\n  http: null\n  fifo:\n    path: ${fifo.path}\n    reply_dir: ${dir}/\n`);
    const r = await cli("--config", cfg, "mi", "reg_list", "sip:alice@example.com", "c", "r");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(JSON.parse(r.out)).toEqual({ Registrant: { AOR: "sip:alice@example.com" } });
  });

  it("gives up after --timeout when the server drops the request", async () => {
    // The server's reply_dir differs from ours: it cannot open our reply FIFO and drops the request.
    const other = await fsp.mkdtemp(join(tmpdir(), "uacreg-cli-other-"));
    const t0 = Date.now();
    const r = await cli("mi", "--fifo", fifo.path, "--reply-dir", other, "--timeout", "0.5", "which");
    expect(r.code).toBe(3);
    expect(r.err).toContain("no reply");
    expect(Date.now() - t0).toBeLessThan(5000);
    await fsp.rm(other, { recursive: true, force: true });
  });

  it("exits 3 when nobody reads the FIFO, without leaving a reply FIFO behind", async () => {
    const orphan = join(dir, "orphan_fifo");
    await execFileAsync("mkfifo", [orphan]);
    const r = await cli("mi", "--fifo", orphan, "--reply-dir", dir, "which");
    expect(r.code).toBe(3);
    expect(r.err).toContain("nobody reads");
    expect((await fsp.readdir(dir)).filter((n) => n.startsWith("uacreg_reply_"))).toEqual([]);
  });

  it("exits 3 when the FIFO does not exist", async () => {
    const r = await cli("mi", "--fifo", join(dir, "missing"), "which");
    expect(r.code).toBe(3);
    expect(r.err).toContain("does not exist");
  });
});

describe("the uacreg executable", () => {
  const main = resolve(import.meta.dirname, "../dist/main.js");
  beforeAll(async () => {
    if (!existsSync(main)) {
      await execFileAsync("pnpm", ["--filter", "@uacreg/cli", "build"], {
        cwd: resolve(import.meta.dirname, "../../.."),
      });
    }
  });

  it("keeps its shebang and runs as a user would", async () => {
    expect((await fsp.readFile(main, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    const { stdout } = await execFileAsync("node", [main, "mi", "--url", url, "reg_list"]);
    expect(JSON.parse(stdout)).toMatchObject({ Records: [{ AOR: "sip:alice@example.com" }] });
  });

  it("exits non-zero on an error reply", async () => {
    const failed = await execFileAsync("node", [main, "mi", "--url", url, "reg_list", "a", "b", "c"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({
      code: 1,
      stderr: "ERROR: command 'reg_list' returned: Error executing command: 404: No such registrant\n",
    });
  });

  it("prints usage with exit 2 on a bad command line", async () => {
    const failed = await execFileAsync("node", [main, "frobnicate"]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
  });
});
