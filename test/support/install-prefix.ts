/**
 * The production install as deploy/README.md documents it: `scripts/install.sh PREFIX` from this (built) checkout
 * into a temporary prefix, the systemd unit it writes there, and the daemon started from the prefix the way that
 * unit's `ExecStart` starts it. Used by test/e2e/install-prefix.test.ts.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./uacregd.js";

const run = promisify(execFile);

/** The repository's unit and example configuration. */
export const UNIT_FILE = join(REPO_ROOT, "deploy/systemd/uacregd.service");
export const EXAMPLE_CONFIG = join(REPO_ROOT, "deploy/uacreg.example.yaml");
/** The prefix and config path the repository's unit names. */
export const DOCUMENTED_PREFIX = "/opt/uacreg";
export const DOCUMENTED_CONFIG = "/etc/uacreg/uacreg.yaml";

/** The PATH systemd gives a system service (systemd.exec(5), "Environment variables in spawned processes"). */
export const SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

export interface InstalledPrefix {
  readonly prefix: string;
  /** `PREFIX/bin/<name>`. */
  bin(name: "uacregd" | "uacreg"): string;
  /** The unit the install wrote, `ExecStart` pointing at this prefix. */
  readonly unitFile: string;
  /** What install.sh printed. */
  readonly output: string;
  remove(): void;
}

/** Runs `scripts/install.sh` into a fresh temporary prefix. */
export async function installIntoTempPrefix(): Promise<InstalledPrefix> {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-prefix-"));
  const prefix = join(dir, "opt-uacreg");
  const { stdout, stderr } = await run("bash", [join(REPO_ROOT, "scripts/install.sh"), prefix], {
    cwd: tmpdir(),
    env: { ...process.env, npm_config_nodedir: "/usr" },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  return {
    prefix,
    bin: (name) => join(prefix, "bin", name),
    unitFile: join(prefix, "share/uacreg/systemd/uacregd.service"),
    output: stdout + stderr,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `[Service]` settings of a unit file, each key with every value it was given (in order). */
export function unitSettings(file: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = "";
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = `${section}.${line.slice(0, eq).trim()}`;
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return settings;
}

/** One setting's last value, or throws naming it. */
export function setting(settings: Map<string, string[]>, key: string): string {
  const values = settings.get(key);
  if (!values?.length) throw new Error(`the unit has no ${key}`);
  return values[values.length - 1] as string;
}

/** `systemd-analyze verify FILE`: its exit code and the lines it wrote about the unit. */
export async function systemdVerify(file: string): Promise<{ code: number; complaints: string[] }> {
  const unitName = file.split("/").pop() as string;
  const result = await run("systemd-analyze", ["verify", file], { cwd: tmpdir() }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === "number" ? e.code : 1,
      out: (e.stdout ?? "") + (e.stderr ?? ""),
    }),
  );
  // systemd-analyze exits 0 on unknown keys and unparsable values (it only warns): every line naming the unit counts.
  const complaints = result.out.split("\n").filter((l) => l.includes(unitName));
  return { code: result.code, complaints };
}

/** A process started from the prefix, with its output collected. */
export interface Started {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when `text` has appeared in the output; rejects with the output after `timeoutMs` or on exit. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code (null: killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProcess(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: "pipe" });
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(text, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) done(resolve);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(() => reject(new Error(`exited before "${text}":\n${out}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${out}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs a binary of the prefix to completion (never rejects): exit code, stdout, stderr. */
export async function runBinary(
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(argv[0] as string, argv.slice(1), { cwd: opts.cwd, env: opts.env, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }),
  );
}
