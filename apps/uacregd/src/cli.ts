/**
 * uacregd: the uacreg daemon (the program's body; `main.ts` is the entry that loads it).
 *
 *   uacregd [--config file.yaml]      (also UACREG_CONFIG; with no config at all: the embedded defaults)
 *   uacregd --demo                    the quick-start demo: a loopback demo registrar and a seeded SQLite database
 *
 * SIGTERM/SIGINT: stop the walk, optional unREGISTER, close sockets, exit 0 within a bound. SIGHUP: full reload.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { type DaemonConfig, resolveConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import { Daemon } from "./daemon.js";
import { runDemo } from "./demo.js";
import { createLogger } from "./logger.js";
import { takeOverStartUpSignals } from "./start-up-signals.js";
import { VERSION_STRING } from "./version.js";

const USAGE = `usage: uacregd [--config FILE] [--data-dir DIR] | --demo [--duration S] | --check-config FILE | --version`;

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`uacregd: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (v.version) {
    process.stdout.write(`${VERSION_STRING}\n`);
    return 0;
  }
  if (v.demo) {
    const duration = v.duration === undefined ? undefined : Number(v.duration);
    if (duration !== undefined && !(duration > 0)) {
      process.stderr.write(`uacregd: --duration must be a number of seconds\n`);
      return 2;
    }
    return runDemo({ dataDir: v["data-dir"] ?? join(process.cwd(), "var", "demo"), durationS: duration });
  }
  const file = v["check-config"] ?? v.config ?? process.env.UACREG_CONFIG;
  let config: DaemonConfig;
  try {
    config = loadConfig(file, v["data-dir"] ?? process.env.UACREG_DATA_DIR ?? defaultDataDir());
  } catch (e) {
    process.stderr.write(`uacregd: ${(e as Error).message}\n`);
    return 2;
  }
  if (v["check-config"]) {
    process.stdout.write(`${file}: ok\n`);
    return 0;
  }
  return runDaemon(config);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      "check-config": { type: "string" },
      "data-dir": { type: "string" },
      demo: { type: "boolean" },
      duration: { type: "string" },
      version: { type: "boolean", short: "V" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

function defaultDataDir(): string {
  return process.getuid?.() === 0 ? "/var/lib/uacreg" : join(process.cwd(), "var");
}

/** Reads and validates the YAML config; `undefined` means the embedded defaults. */
export function loadConfig(file: string | undefined, dataDir: string): DaemonConfig {
  if (file === undefined) return resolveConfig(undefined, dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError("--config", file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError("--config", file, `not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  return resolveConfig(doc, dataDir);
}

export interface RunOptions {
  /** Stop by itself after this long (the demo's `--duration`); default: run until a signal. */
  durationMs?: number;
  /** Called once the daemon listens (the demo prints its hints and the state table from here). */
  onStarted?: (daemon: Daemon) => void;
}

/**
 * Runs the daemon until a signal (or the duration) stops it; resolves with the exit code.
 *
 * The signal handlers go in before start-up: a SIGHUP (logrotate, `systemctl reload`) or SIGTERM that arrives while
 * the sockets open must not kill the process with the default action. A SIGHUP then is ignored (the records are
 * being loaded anyway); a SIGTERM stops the daemon as soon as it has started.
 */
export async function runDaemon(config: DaemonConfig, opts: RunOptions = {}): Promise<number> {
  const log = createLogger(config.log);
  let daemon: Daemon | undefined;
  let stopRequested: string | undefined;
  let onStop: ((signal: string) => void) | undefined;
  const requestStop = (signal: string) => {
    if (onStop) onStop(signal);
    else stopRequested ??= signal;
  };
  const onTerm = () => requestStop("SIGTERM");
  const onInt = () => requestStop("SIGINT");
  const onHup = () => {
    if (daemon) void daemon.reload();
    else log.info({}, "SIGHUP during start-up ignored: the records are being loaded");
  };
  process.once("SIGTERM", onTerm);
  process.once("SIGINT", onInt);
  process.on("SIGHUP", onHup);
  const early = takeOverStartUpSignals();
  if (early.hups > 0) log.info({ count: early.hups }, "SIGHUP while loading ignored: the records are being loaded");
  if (early.stop !== undefined) stopRequested = early.stop;
  try {
    daemon = await Daemon.start(config, log);
  } catch (e) {
    log.fatal({ err: (e as Error).message }, "start-up failed");
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    process.off("SIGHUP", onHup);
    return 1;
  }
  const started = daemon;
  let failed = false;
  started.ready.catch(() => {
    failed = true;
    void started.stop().then(() => process.exit(1));
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    onStop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "stopping");
      const hard = setTimeout(() => resolve(1), (config.registrant.shutdown_timeout + 5) * 1000);
      hard.unref();
      void started.stop().then(() => resolve(failed ? 1 : 0));
    };
    opts.onStarted?.(started);
    if (opts.durationMs !== undefined) setTimeout(() => requestStop("duration"), opts.durationMs).unref();
    if (stopRequested !== undefined) onStop(stopRequested);
  });
}
