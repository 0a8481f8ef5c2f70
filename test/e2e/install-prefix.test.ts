/**
 * The production install (deploy/README.md, issue 12 "Install and release"): `scripts/install.sh` from this built
 * checkout into a temporary prefix gives `bin/uacregd` and `bin/uacreg` that run from PATH with nothing else; the
 * systemd unit it writes passes `systemd-analyze verify`; the installed daemon started the way the unit's ExecStart
 * starts it (same arguments, the example configuration with its state and runtime directories moved to temporary
 * ones and its ports chosen by the OS) serves `uacreg mi reg_list` over HTTP and the FIFO, reloads on SIGHUP
 * (ExecReload) and stops cleanly on SIGTERM. systemd does not run as PID 1 in CI, so the sandbox itself is not started.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { freePort } from "../support/free-port.js";
import {
  DOCUMENTED_CONFIG,
  DOCUMENTED_PREFIX,
  EXAMPLE_CONFIG,
  type InstalledPrefix,
  installIntoTempPrefix,
  runBinary,
  SERVICE_PATH,
  type Started,
  setting,
  startProcess,
  systemdVerify,
  UNIT_FILE,
  unitSettings,
} from "../support/install-prefix.js";
import { REPO_ROOT } from "../support/uacregd.js";

let inst: InstalledPrefix;
const started: Started[] = [];

beforeAll(async () => {
  inst = await installIntoTempPrefix();
}, 120_000);

afterAll(async () => {
  for (const s of started) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    await s.exited;
  }
  inst?.remove();
});

/** An operator's shell: the prefix's bin first on the PATH systemd services get, run from outside the checkout. */
function operatorEnv(): NodeJS.ProcessEnv {
  return { PATH: `${inst.prefix}/bin:${SERVICE_PATH}`, LANG: "C.UTF-8" };
}

/** Every loopback `host:port` or `proto:host:port` of the configuration on a port the OS chose (the MI, metrics, …). */
async function withFreePorts(node: unknown): Promise<unknown> {
  if (typeof node === "string") {
    const m = /^((?:udp:|tcp:|tls:)?127\.0\.0\.1:)\d+$/.exec(node);
    return m ? `${m[1]}${await freePort()}` : node;
  }
  if (Array.isArray(node)) return Promise.all(node.map(withFreePorts));
  if (typeof node === "object" && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = await withFreePorts(v);
    return out;
  }
  return node;
}

function releaseVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, "packages/release/package.json"), "utf8")) as { version: string })
    .version;
}

describe("production install into a prefix", () => {
  it("puts executable uacregd and uacreg in PREFIX/bin that print the release and the commit built from", async () => {
    for (const name of ["uacregd", "uacreg"] as const) accessSync(inst.bin(name), constants.X_OK);
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const version = releaseVersion();
    for (const name of ["uacregd", "uacreg"] as const) {
      const r = await runBinary([name, "--version"], { cwd: tmpdir(), env: operatorEnv() });
      expect({ code: r.code, out: r.stdout.trim() }, `${name} --version: ${r.stderr}`).toEqual({
        code: 0,
        out: `${name} ${version} (commit ${commit})`,
      });
    }
    expect(inst.output).toContain(`uacregd ${version} (commit ${commit})`);
  });

  it("is self-contained: no symbolic or hard link leads out of the prefix; both apps carry better-sqlite3's addon", () => {
    const links = execFileSync("find", [inst.prefix, "-type", "l"], { encoding: "utf8" }).split("\n").filter(Boolean);
    expect(links.length).toBeGreaterThan(10);
    const outside = links.filter((l) => !realpathSync(l).startsWith(`${realpathSync(inst.prefix)}/`));
    expect(outside).toEqual([]);
    // A file whose link count is above the number of its names inside the prefix shares its content with a file
    // outside (pnpm hard-links the checkout's dist/ by default: a rebuild there would rewrite the installed file).
    const files = execFileSync("find", [inst.prefix, "-type", "f", "-printf", "%i %n %p\n"], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    })
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string, string]);
    const names = new Map<string, number>();
    for (const [inode] of files) names.set(inode, (names.get(inode) ?? 0) + 1);
    const shared = files.filter(([inode, links]) => Number(links) > (names.get(inode) ?? 0)).map(([, , path]) => path);
    expect(shared.slice(0, 5), `${shared.length} files linked from outside the prefix`).toEqual([]);
    for (const app of ["uacregd", "uacreg"]) {
      const addon = execFileSync("find", [join(inst.prefix, "lib", app), "-name", "better_sqlite3.node"], {
        encoding: "utf8",
      });
      expect(addon, app).toMatch(/build\/Release\/better_sqlite3\.node/);
    }
  });

  it("runs the daemon's bundle: its entry and chunks import only each other, node's built-ins and the packages left out of it, found in the prefix", () => {
    // apps/uacregd/README.md "Start-up / bundle": the workspace packages and the pure-JavaScript libraries are inlined;
    // what stays imported (drivers, TypeORM, the files next to @uacreg/release and @uacreg/web) must be installed. The
    // CommonJS ones are loaded with createRequire(import.meta.url), resolved from the chunk's directory as an import is.
    const dist = join(inst.prefix, "lib/uacregd/dist");
    const chunks = readdirSync(join(dist, "chunks")).filter((f) => f.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(1);
    const specifiers = new Set<string>();
    for (const file of ["main.js", ...chunks.map((c) => `chunks/${c}`)]) {
      const text = readFileSync(join(dist, file), "utf8");
      for (const m of text.matchAll(
        /^(?:import|export) [^;]*?from "([^"]+)";$|^import "([^"]+)";$|\bimport\("([^"]+)"\)|createRequire\(import\.meta\.url\)\("([^"]+)"\)/gm,
      )) {
        specifiers.add((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
      }
    }
    const entry = readFileSync(join(dist, "main.js"), "utf8");
    expect(entry.split("\n", 1)[0]).toBe("#!/usr/bin/env -S node --max-semi-space-size=64");
    expect(entry).toMatch(/from "\.\/chunks\/start-up-signals-[\w-]+\.js"/);
    const bare = [...specifiers].filter(
      (s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s),
    );
    expect(bare.sort()).toEqual(["@uacreg/release", "@uacreg/web", "better-sqlite3", "pg", "typeorm"]);
    const fromChunks = createRequire(join(dist, "chunks", "main.js"));
    const prefixReal = `${realpathSync(inst.prefix)}/`;
    for (const name of bare) expect(realpathSync(fromChunks.resolve(name)), name).toMatch(prefixReal);
  });

  it("writes a systemd unit for the prefix that passes systemd-analyze verify", async () => {
    // The installed unit is the repository's with the documented prefix replaced: verifying it verifies that one
    // (whose ExecStart, /opt/uacreg/bin/uacregd, does not exist here).
    const repoUnit = readFileSync(UNIT_FILE, "utf8");
    expect(readFileSync(inst.unitFile, "utf8")).toBe(repoUnit.replaceAll(`${DOCUMENTED_PREFIX}/`, `${inst.prefix}/`));
    expect(await systemdVerify(inst.unitFile)).toEqual({ code: 0, complaints: [] });
  });

  it("the unit and the example configuration agree on the state and runtime directories", () => {
    const unit = unitSettings(UNIT_FILE);
    const example = parse(readFileSync(EXAMPLE_CONFIG, "utf8")) as {
      data_dir: string;
      mi: { fifo: { path: string; reply_dir: string } };
    };
    const state = `/var/lib/${setting(unit, "Service.StateDirectory")}`;
    const runtime = `/run/${setting(unit, "Service.RuntimeDirectory")}`;
    expect(setting(unit, "Service.ExecStart")).toBe(`${DOCUMENTED_PREFIX}/bin/uacregd --config ${DOCUMENTED_CONFIG}`);
    expect(example.data_dir).toBe(state);
    expect(setting(unit, "Service.WorkingDirectory")).toBe(state);
    expect(example.mi.fifo.path.startsWith(`${runtime}/`)).toBe(true);
    expect(example.mi.fifo.reply_dir.replace(/\/$/, "")).toBe(runtime);
    // The behaviour the unit relies on is tested below: SIGHUP reloads, SIGTERM stops, failures exit non-zero.
    expect(setting(unit, "Service.ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(setting(unit, "Service.Restart")).toBe("on-failure");
    expect(setting(unit, "Service.Type")).toBe("exec");
  });

  it("runs as the unit starts it: reg_list over HTTP and the FIFO from the prefix, SIGHUP reloads, SIGTERM stops", async () => {
    const unit = unitSettings(inst.unitFile);
    const base = join(inst.prefix, "..", "system");
    const state = join(base, "var/lib", setting(unit, "Service.StateDirectory"));
    const runtime = join(base, "run", setting(unit, "Service.RuntimeDirectory"));
    mkdirSync(state, { recursive: true, mode: 0o700 });
    mkdirSync(runtime, { recursive: true, mode: 0o770 });

    // The example as shipped, its directories moved under `base` and its ports taken from the OS.
    const moved = readFileSync(EXAMPLE_CONFIG, "utf8")
      .replaceAll("/var/lib/uacreg", state)
      .replaceAll("/run/uacreg", runtime);
    const configFile = join(base, "uacreg.yaml");
    const config = (await withFreePorts(parse(moved))) as { web: { listen: string } };
    writeFileSync(configFile, stringify(config));

    // ExecStart, with the config path of this test; WorkingDirectory and the variables systemd sets. The first start
    // on an empty state directory creates the SQLite database and its table: no other step.
    const argv = setting(unit, "Service.ExecStart")
      .split(/\s+/)
      .map((a) => (a === DOCUMENTED_CONFIG ? configFile : a));
    expect(argv[0]).toBe(inst.bin("uacregd"));
    const daemon = startProcess(argv, {
      cwd: state,
      env: { PATH: SERVICE_PATH, LANG: "C.UTF-8", STATE_DIRECTORY: state, RUNTIME_DIRECTORY: runtime },
    });
    started.push(daemon);
    await daemon.waitForOutput('"msg":"registrant records loaded"', 30_000);

    // The operator imports a record (nobody answers at its registrar: it stays listed) and reloads (ExecReload).
    const registrar = `sip:127.0.0.1:${await freePort()}`;
    writeFileSync(
      join(base, "rows.csv"),
      `aor,binding_URI,registrar,username,password,expiry\nsip:alice@example.test,sip:alice@127.0.0.1:5099,${registrar},alice,pw-alice,600\n`,
    );
    const uacreg = (...args: string[]) =>
      runBinary(["uacreg", "--config", configFile, ...args], { cwd: base, env: operatorEnv() });
    const imported = await uacreg("db", "import", join(base, "rows.csv"));
    expect({ code: imported.code, err: imported.stderr }).toEqual({ code: 0, err: "" });
    daemon.child.kill("SIGHUP");
    await daemon.waitForOutput('"msg":"reloaded"', 30_000);

    const aors = (out: string) => (JSON.parse(out) as { Records: Array<{ AOR: string }> }).Records.map((r) => r.AOR);
    const overHttp = await uacreg("mi", "reg_list");
    expect({ code: overHttp.code, err: overHttp.stderr }).toEqual({ code: 0, err: "" });
    expect(aors(overHttp.stdout)).toEqual(["sip:alice@example.test"]);
    // The FIFO in the runtime directory, the reply FIFO in reply_dir (the same directory: PrivateTmp hides /tmp).
    const overFifo = await uacreg("mi", "--fifo", join(runtime, "uacreg_fifo"), "reg_list");
    expect({ code: overFifo.code, err: overFifo.stderr }).toEqual({ code: 0, err: "" });
    expect(aors(overFifo.stdout)).toEqual(["sip:alice@example.test"]);
    expect(daemon.output()).not.toContain("pw-alice");
    // reg_disable writes state 1 to the row: the bundle loads TypeORM (at the first write) from the prefix.
    const disabled = await uacreg("mi", "reg_disable", "sip:alice@example.test", "sip:alice@127.0.0.1:5099", registrar);
    expect({ code: disabled.code, err: disabled.stderr }).toEqual({ code: 0, err: "" });
    const rowState = async () => {
      const listed = await uacreg("db", "list");
      expect({ code: listed.code, err: listed.stderr }).toEqual({ code: 0, err: "" });
      return (JSON.parse(listed.stdout) as Array<{ state: number }>)[0]?.state;
    };
    let written = await rowState();
    for (let tries = 1; written !== 1 && tries < 20; tries++) written = await rowState();
    expect(written).toBe(1);
    expect(daemon.output()).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    // The status page ships in the prefix too (the web app's built files are part of the install).
    const page = await fetch(`http://${config.web.listen}/`);
    expect({ status: page.status, type: page.headers.get("content-type") }).toEqual({
      status: 200,
      type: expect.stringMatching(/^text\/html/),
    });
    expect(await page.text()).toMatch(/<html/i);

    // systemd's stop: SIGTERM, exit 0 (Restart=on-failure does not restart it).
    daemon.child.kill("SIGTERM");
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.output()).toContain('"msg":"uacregd stopped"');
  });
});
