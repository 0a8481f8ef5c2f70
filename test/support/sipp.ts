/**
 * SIPp as a child process: a registrar (UAS) running one of the scenarios in test/sipp/, or a UAC.
 *
 * SIPp quirks this handles:
 * - it needs a scenario-level `-timeout` or it may run forever; waitExit() also has its own deadline and then sends
 *   SIGTERM (SIGKILL 2 s later);
 * - its exit code is 0 only if every call succeeded: 1 = at least one call failed (a failed `check_it` regexp, an
 *   unexpected message, a receive timeout), 97 = stopped by an internal command, 99 = exited without processing a
 *   call, 255 = fatal error (bad scenario, unknown variable), 254 = cannot bind;
 * - it binds a control port (default 8888) and media ports (default 6000/6002): the control port is taken from the
 *   OS, the media ports from this test worker's own block (nextMediaPort), so concurrent runs do not clash;
 * - on an aborted call its default behavior sends a BYE: disabled (`-default_behaviors all,-bye`);
 * - keys given with `-key` are expanded in message text and in action attributes (verifyauth username/password),
 *   never inside regexps;
 * - its message log is stamped in local time: it runs with TZ=UTC.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { freePort } from "./free-port.js";
import { readSippMessageLog, type SippLoggedMessage } from "./sipp-message-log.js";

export type { SippLoggedMessage } from "./sipp-message-log.js";

/** Directory of the scenario files (test/sipp). */
export const SIPP_SCENARIO_DIR = resolve(import.meta.dirname, "../sipp");
const SIPP_BIN = process.env.UACREG_SIPP ?? "sipp";

/** Keys every registrar scenario may use; callers override any of them. */
export const DEFAULT_SIPP_KEYS = { user: "alice", password: "secret", realm: "reg.test", expires: "60" } as const;

export interface SippOptions {
  /** A file name in test/sipp (e.g. "reg-401-ok.xml") or an absolute path. */
  scenario: string;
  /** Loopback address SIPp binds. Default 127.0.0.1. */
  host?: string;
  /** Port SIPp binds; default: one the OS picks. */
  port?: number;
  /** `-m`: SIPp exits after this many calls (Call-IDs) have ended. Default 1. */
  maxCalls?: number;
  /** `-timeout`: SIPp gives up after this many seconds (then exits 1). Default 60. */
  timeoutS?: number;
  /** `-recv_timeout`: a `<recv>` that waits longer fails its call. Default: none. */
  recvTimeoutMs?: number;
  /** `-key name value` for each entry, on top of DEFAULT_SIPP_KEYS. */
  keys?: Record<string, string | number>;
  /** UAC mode: the remote "host:port" to send to. */
  remote?: string;
  /** UAC mode: `-au` / `-ap`, used by `[authentication]` in the scenario. */
  authUser?: string;
  authPassword?: string;
  /** Extra command-line arguments, appended last. */
  extraArgs?: string[];
}

export interface SippResult {
  /** SIPp's exit code (null if it died from a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True if waitExit's deadline passed and the harness had to terminate SIPp. */
  killed: boolean;
  /** Every datagram SIPp logged. */
  messages: SippLoggedMessage[];
  /** SIPp's stderr (its errors: failed regexps, timeouts, unexpected messages). */
  stderr: string;
  /** SIPp's error log (-trace_err): unexpected messages in full. */
  errors: string;
}

const running = new Set<Sipp>();

/** A running SIPp. */
export class Sipp {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly args: readonly string[];
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrText = "";
  private result: SippResult | undefined;
  private killed = false;

  private constructor(host: string, port: number, dir: string, args: string[]) {
    this.host = host;
    this.port = port;
    this.dir = dir;
    this.args = args;
    this.child = spawn(SIPP_BIN, args, {
      cwd: dir,
      env: { ...process.env, TZ: "UTC" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child.stderr?.setEncoding("latin1");
    this.child.stderr?.on("data", (chunk: string) => {
      if (this.stderrText.length < 1_000_000) this.stderrText += chunk;
    });
    this.exited = new Promise((resolveExit) => {
      this.child.once("exit", (code, signal) => resolveExit({ code, signal }));
      this.child.once("error", (err) => {
        this.stderrText += `\nspawn error: ${err.message}`;
        resolveExit({ code: -1, signal: null });
      });
    });
    running.add(this);
  }

  /**
   * Starts SIPp and resolves once its SIP socket AND its two RTP echo sockets (`-mp`, `-mp + 2`) are bound: SIPp binds
   * the SIP port first and exits if a media port is taken, so seeing the SIP port alone is not a start. The media
   * ports come from this test worker's own block below the OS's ephemeral range (see nextMediaPort), and a SIPp that
   * could not bind is started again, up to 4 times.
   */
  static async start(opts: SippOptions): Promise<Sipp> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Sipp.startOnce(opts);
      } catch (e) {
        if (attempt >= 4 || !(e instanceof SippStartError)) throw e;
      }
    }
  }

  private static async startOnce(opts: SippOptions): Promise<Sipp> {
    const host = opts.host ?? "127.0.0.1";
    const port = opts.port ?? (await freePort(host));
    const controlPort = await freePort(host);
    const mediaPort = nextMediaPort(host);
    const dir = mkdtempSync(join(tmpdir(), "uacreg-sipp-"));
    const scenario = isAbsolute(opts.scenario) ? opts.scenario : join(SIPP_SCENARIO_DIR, opts.scenario);
    const keys = { ...DEFAULT_SIPP_KEYS, ...opts.keys };
    const args = [
      ...(opts.remote ? [opts.remote] : []),
      "-sf",
      scenario,
      "-i",
      host,
      "-p",
      String(port),
      "-m",
      String(opts.maxCalls ?? 1),
      "-nostdin",
      "-timeout",
      `${opts.timeoutS ?? 60}s`,
      "-timeout_error",
      "-default_behaviors",
      "all,-bye",
      "-cp",
      String(controlPort),
      "-mp",
      String(mediaPort),
      "-trace_msg",
      "-message_file",
      join(dir, "messages.log"),
      "-trace_err",
      "-error_file",
      join(dir, "errors.log"),
      ...(opts.recvTimeoutMs !== undefined ? ["-recv_timeout", String(opts.recvTimeoutMs)] : []),
      ...(opts.authUser !== undefined ? ["-au", opts.authUser] : []),
      ...(opts.authPassword !== undefined ? ["-ap", opts.authPassword] : []),
      ...Object.entries(keys).flatMap(([k, v]) => ["-key", k, String(v)]),
      ...(opts.extraArgs ?? []),
    ];
    const sipp = new Sipp(host, port, dir, args);
    await sipp.waitBound([port, mediaPort, mediaPort + 2]);
    return sipp;
  }

  /** The datagrams logged so far (SIPp writes its log as it goes). */
  messages(): SippLoggedMessage[] {
    return readSippMessageLog(join(this.dir, "messages.log"));
  }

  /** SIPp's stderr so far. */
  get stderr(): string {
    return this.stderrText;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Waits until SIPp exits by itself (all -m calls done, or its -timeout), at most `timeoutMs`; past that deadline
   * it is terminated and `killed` is true in the result.
   */
  async waitExit(timeoutMs = 30_000): Promise<SippResult> {
    if (this.result) return this.result;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((r) => {
      timer = setTimeout(() => r("deadline"), timeoutMs);
    });
    const first = await Promise.race([this.exited, deadline]);
    clearTimeout(timer);
    if (first === "deadline") return this.stop();
    return this.finish();
  }

  /** Terminates SIPp (SIGTERM, then SIGKILL after 2 s) and returns what it logged. Idempotent. */
  async stop(): Promise<SippResult> {
    if (this.result) return this.result;
    if (this.alive) {
      this.killed = true;
      this.child.kill("SIGTERM");
      const hard = setTimeout(() => {
        if (this.alive) this.child.kill("SIGKILL");
      }, 2000);
      await this.exited;
      clearTimeout(hard);
    }
    return this.finish();
  }

  private async finish(): Promise<SippResult> {
    if (this.result) return this.result;
    const { code, signal } = await this.exited;
    let errors = "";
    try {
      errors = readFileSync(join(this.dir, "errors.log"), "latin1");
    } catch {
      // no unexpected message was logged
    }
    this.result = {
      code,
      signal,
      killed: this.killed,
      messages: this.messages(),
      stderr: this.stderrText,
      errors,
    };
    running.delete(this);
    if (!process.env.UACREG_KEEP_SIPP_LOGS) rmSync(this.dir, { recursive: true, force: true });
    return this.result;
  }

  /** SIGKILL, synchronously (process exit hook). */
  killNow(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  /** Polls /proc/net/udp(6) until the SIP socket is bound; rejects if SIPp exits first or after 5 s. */
  private async waitBound(ports: number[]): Promise<void> {
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      if (!this.alive) {
        const r = await this.finish();
        throw new SippStartError(`sipp exited with ${r.code} before binding: ${this.args.join(" ")}\n${r.stderr}`);
      }
      if (ports.every((p) => udpPortBound(this.host, p))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    await this.stop();
    throw new SippStartError(`sipp did not bind ${this.host}:${ports.join("/")} within 5 s\n${this.stderrText}`);
  }
}

/** Starts a SIPp (see Sipp.start). */
export function startSipp(opts: SippOptions): Promise<Sipp> {
  return Sipp.start(opts);
}

/** Stops every SIPp still running (use in afterAll). */
export async function stopAllSipp(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

process.once("exit", () => {
  for (const s of running) s.killNow();
});

/** SIPp could not bind its sockets (a port was taken meanwhile); starting it again may work. */
export class SippStartError extends Error {}

/**
 * SIPp's media ports (`-mp`): it binds RTP echo sockets on mp and mp + 2 (RTCP on mp + 1 and mp + 3 where enabled),
 * so each SIPp takes a group of 4. They come from 20000–31999, below Linux's ephemeral range (32768–60999, where the
 * OS picks the ports of freePort() and of every socket bound to port 0), so they never meet an OS-chosen port. That
 * range is cut into one block per vitest worker (`VITEST_POOL_ID`, 1…maxWorkers, unique among the workers running at
 * the same time), and a worker walks its own block round-robin, skipping groups the kernel shows as bound: two test
 * files running at once never draw the same group. Outside vitest the block is picked at random.
 */
const MEDIA_FIRST = 20_000;
const MEDIA_GROUPS = 3000; // 20000 + 4 · 3000 = 32000
const MEDIA_BLOCKS = 8;
const MEDIA_GROUPS_PER_BLOCK = MEDIA_GROUPS / MEDIA_BLOCKS;
const mediaBlock =
  (Number(process.env.VITEST_POOL_ID) > 0
    ? Number(process.env.VITEST_POOL_ID) - 1
    : Math.floor(Math.random() * MEDIA_BLOCKS)) % MEDIA_BLOCKS;
let mediaNext = 0;

/** The first port of the next free group of 4 in this worker's block. */
export function nextMediaPort(host = "127.0.0.1"): number {
  for (let tried = 0; tried < MEDIA_GROUPS_PER_BLOCK; tried++) {
    const group = mediaBlock * MEDIA_GROUPS_PER_BLOCK + (mediaNext++ % MEDIA_GROUPS_PER_BLOCK);
    const port = MEDIA_FIRST + 4 * group;
    if (![0, 1, 2, 3].some((i) => udpPortBound(host, port + i))) return port;
  }
  throw new SippStartError(`no free media port group in ${MEDIA_FIRST}–${MEDIA_FIRST + 4 * MEDIA_GROUPS - 1}`);
}

/** Whether a UDP socket is bound to host:port, from the kernel's socket table (Linux). */
export function udpPortBound(host: string, port: number): boolean {
  const v6 = host.includes(":");
  let table: string;
  try {
    table = readFileSync(v6 ? "/proc/net/udp6" : "/proc/net/udp", "latin1");
  } catch {
    return false;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const want = v6 ? null : ipv4Hex(host);
  for (const line of table.split("\n").slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    if (!local) continue;
    const [addr, p] = local.split(":");
    if (p !== portHex) continue;
    if (v6 || addr === want || addr === "00000000") return true;
  }
  return false;
}

function ipv4Hex(host: string): string {
  // /proc/net/udp prints the address as a little-endian 32-bit hex number.
  return host
    .split(".")
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0"))
    .reverse()
    .join("");
}
