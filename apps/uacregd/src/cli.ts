/**
 * uacregd: the uacreg daemon (the program's body; `main.ts` is the entry that loads it).
 *
 *   uacregd [--config file.yaml]      (also UACREG_CONFIG; with no config at all: the embedded defaults)
 *   uacregd --check-config file.yaml  validates the file (with the db_url options the driver would refuse), exits
 *   uacregd --demo                    the quick-start demo: a loopback demo registrar and a seeded SQLite database
 *
 * SIGTERM/SIGINT: stop the walk, optional unREGISTER, close sockets, exit 0 within a bound. SIGHUP: full reload.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  checkDriverOptions,
  type ConfigEnvironment,
  loadConfig,
  processEnvironment,
  type UacregConfig,
} from "@uacreg/config";
import { Daemon, type DaemonOptions, StartUpError } from "./daemon.js";
import { checkDatabaseDirectory } from "./database-directory.js";
import { createLogger } from "./logger.js";
import { takeOverStartUpSignals } from "./start-up-signals.js";
import { versionText } from "./version.js";

const USAGE = `usage: uacregd [--config FILE] [--data-dir DIR] | --demo [--duration S] | --check-config FILE | --version`;

/** `environment`: where UACREG_CONFIG, UACREG_DATA_DIR and the default data_dir come from (tests pass their own). */
export async function main(argv: string[], environment: ConfigEnvironment = processEnvironment()): Promise<number> {
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
    process.stdout.write(`${versionText()}\n`);
    return 0;
  }
  if (v.demo) {
    const duration = v.duration === undefined ? undefined : Number(v.duration);
    if (duration !== undefined && !(duration > 0)) {
      process.stderr.write(`uacregd: --duration must be a number of seconds\n`);
      return 2;
    }
    // Imported here: the demo registrar's modules are no part of a daemon's start-up (docs/performance-startup.md).
    const { runDemo } = await import("./demo.js");
    return runDemo({ dataDir: v["data-dir"] ?? join(process.cwd(), "var", "demo"), durationS: duration });
  }
  const checkOnly = v["check-config"] !== undefined;
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig({ config: v["check-config"] ?? v.config, dataDir: v["data-dir"] }, environment);
    // Offline: the options of db_url the driver would refuse at open (a running daemon reports them when it opens).
    if (checkOnly) {
      await checkDriverOptions(loaded.config.db_url);
      // The same check start-up makes before it creates the database directory.
      checkDatabaseDirectory(loaded.config);
    }
  } catch (e) {
    process.stderr.write(`uacregd: ${(e as Error).message}\n`);
    return 2;
  }
  if (checkOnly) {
    process.stdout.write(`${loaded.file}: ok\n`);
    return 0;
  }
  const configFile = v.config;
  const dataDir = v["data-dir"];
  // SIGHUP re-reads the same file (static sharing tags, docs/cluster.md §7).
  return runDaemon(loaded.config, {
    rereadConfig: () => loadConfig({ config: configFile, dataDir }, environment).config,
  });
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

export interface RunOptions {
  /** Stop by itself after this long (the demo's `--duration`); default: run until a signal. */
  durationMs?: number;
  /** Called once the daemon listens (the demo prints its hints and the state table from here). */
  onStarted?: (daemon: Daemon) => void;
  /** Reads the configuration file again on SIGHUP (see {@link DaemonOptions.rereadConfig}). */
  rereadConfig?: () => UacregConfig;
}

/**
 * Runs the daemon until a signal (or the duration) stops it; resolves with the exit code.
 *
 * The signal handlers go in before start-up: a SIGHUP (logrotate, `systemctl reload`) or SIGTERM that arrives while
 * the sockets open must not kill the process with the default action. A SIGHUP then is ignored (the records are
 * being loaded anyway); a SIGTERM stops the daemon as soon as it has started.
 */
export async function runDaemon(config: UacregConfig, opts: RunOptions = {}): Promise<number> {
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
    daemon = await Daemon.start(config, log, opts.rereadConfig ? { rereadConfig: opts.rereadConfig } : {});
  } catch (e) {
    log.fatal({ err: (e as Error).message }, "start-up failed");
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    process.off("SIGHUP", onHup);
    return 1;
  }
  const started = daemon;
  let failed = false;
  let stopping = false;
  started.ready.catch((e: unknown) => {
    // A stop requested while the records were being loaded ends the start-up: not a failure (exit 0).
    if (stopping && e instanceof StartUpError && e.cause === undefined) return;
    // Every start-up failure leaves one fatal line: the daemon's own (a StartUpError), or this one.
    if (!(e instanceof StartUpError)) log.fatal({ err: e instanceof Error ? e.message : String(e) }, "start-up failed");
    failed = true;
    void started.stop().then(() => process.exit(1));
  });
  return new Promise<number>((resolve) => {
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
