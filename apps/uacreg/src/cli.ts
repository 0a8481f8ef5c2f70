/**
 * The `uacreg` command line: `mi` (talk to a running uacregd, or OpenSIPS, like `opensips-cli -x mi`) and `db`
 * (create, import into and list the registrant table).
 */
import { ConfigError, type ConfigEnvironment, processEnvironment } from "@uacreg/config";
import { type CliConfig, loadCliConfig } from "./cli-config.js";
import { type CliIo, ExitCode, processIo } from "./cli-io.js";
import { dbCreate, dbImport, dbList, type DbTarget } from "./db-commands.js";
import { type MiEndpoint, runMiCall } from "./mi-command.js";
import { UsageError } from "./usage-error.js";

export const USAGE = `usage:
  uacreg [--config FILE] mi [options] <command> [args...]
      Calls an MI command (as \`opensips-cli -x mi\`). Arguments that all look like name=value are sent as named
      params, otherwise as positional params; all values are strings unless -j is given.
      -j, --json            JSON-decode each argument value where it parses
      --url URL             MI over HTTP (default http://127.0.0.1:8888/mi, or mi.http from --config)
      --fifo PATH           MI over the FIFO instead (e.g. /tmp/uacreg_fifo, or mi.fifo from --config)
      --reply-dir DIR       directory for the reply FIFO; must be the server's reply_dir (default /tmp/)
      --timeout SECONDS     give up waiting for a reply (default 30)
  uacreg [--config FILE] db create                 create the registrant table (version 3) and the cluster tables if absent
  uacreg [--config FILE] db import <file.csv>      upsert rows from a CSV file with a header row of column names
  uacreg [--config FILE] db list                   list the rows (passwords masked)
      --db-url URL          e.g. sqlite:///var/lib/uacreg/registrant.db, postgres://user:pass@host/db,
                            mysql://user:pass@host/db, mssql://user:pass@host/db (default: db_url of --config)
      --table NAME          table name (default: registrant.table_name of --config, else registrant)
  --config FILE             the uacregd YAML config (db_url, registrant.table_name, registrant.*_column, mi.http,
                            mi.fifo), validated as uacregd does; default: $UACREG_CONFIG
  -h, --help                this text
exit codes: 0 ok, 1 error reply / database error / rows skipped, 2 usage error, 3 MI unreachable
`;

const VALUE_OPTIONS = new Set(["--config", "--url", "--fifo", "--reply-dir", "--timeout", "--db-url", "--table"]);
const FLAG_OPTIONS = new Set(["-j", "--json", "-h", "--help"]);

interface Parsed {
  options: Map<string, string | true>;
  positionals: string[];
}

/**
 * Reads options and positionals. For `mi`, option parsing stops at the command name: everything after it is an MI
 * argument, even when it starts with `-`.
 */
function parseArgv(argv: readonly string[]): Parsed {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const miCommandSeen = positionals[0] === "mi" && positionals.length >= 2;
    if (miCommandSeen || arg === "--") {
      positionals.push(...argv.slice(arg === "--" && !miCommandSeen ? i + 1 : i));
      break;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (VALUE_OPTIONS.has(name)) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        options.set(name, value);
      } else if (FLAG_OPTIONS.has(name) && eq < 0) {
        options.set(name === "-j" ? "--json" : name === "-h" ? "--help" : name, true);
      } else {
        throw new UsageError(`unknown option ${arg}`);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals };
}

function opt(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  return typeof v === "string" ? v : undefined;
}

function miEndpoint(p: Parsed, config: CliConfig | undefined): MiEndpoint {
  const url = opt(p, "--url");
  const fifo = opt(p, "--fifo");
  if (url && fifo) throw new UsageError("give either --url or --fifo, not both");
  const replyDir = opt(p, "--reply-dir") ?? config?.miFifo?.replyDir ?? "/tmp/";
  if (fifo) return { kind: "fifo", path: fifo, replyDir };
  if (url) return { kind: "http", url };
  if (config?.miUrl) return { kind: "http", url: config.miUrl };
  if (config?.miFifo) return { kind: "fifo", path: config.miFifo.path, replyDir };
  return { kind: "http", url: "http://127.0.0.1:8888/mi" };
}

function dbTarget(p: Parsed, config: CliConfig | undefined): DbTarget {
  const dbUrl = opt(p, "--db-url") ?? config?.dbUrl;
  if (!dbUrl) throw new UsageError("give --db-url URL or --config FILE");
  const table = { ...(config?.table ?? {}) };
  const tableName = opt(p, "--table");
  if (tableName) table.tableName = tableName;
  return config ? { dbUrl, table, rowValidation: config.rowValidation } : { dbUrl, table };
}

/**
 * Runs the tool with `argv` (without `node` and the script); resolves with the exit code. Never throws.
 * `environment`: where UACREG_CONFIG and the default data_dir come from (tests pass their own).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo,
  environment: ConfigEnvironment = processEnvironment(),
): Promise<number> {
  try {
    const p = parseArgv(argv);
    if (p.options.has("--help") || p.positionals.length === 0 || p.positionals[0] === "help") {
      (p.positionals.length === 0 && !p.options.has("--help") ? io.stderr : io.stdout)(USAGE);
      return p.positionals.length === 0 && !p.options.has("--help") ? ExitCode.usage : ExitCode.ok;
    }
    const config = loadCliConfig(opt(p, "--config"), environment);
    const [group, sub, ...rest] = p.positionals;
    if (group === "mi") {
      if (!sub) throw new UsageError("mi: which command? (try `uacreg mi which`)");
      const timeoutRaw = opt(p, "--timeout") ?? "30";
      const timeout = Number(timeoutRaw);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new UsageError(`--timeout ${timeoutRaw}: must be a positive number`);
      return await runMiCall(
        {
          endpoint: miEndpoint(p, config),
          command: sub,
          args: rest,
          json: p.options.has("--json"),
          timeoutMs: timeout * 1000,
        },
        io,
      );
    }
    if (group === "db") {
      if (sub === "create" && rest.length === 0) return await dbCreate(dbTarget(p, config), io);
      if (sub === "list" && rest.length === 0) return await dbList(dbTarget(p, config), io);
      if (sub === "import" && rest.length === 1) return await dbImport(dbTarget(p, config), rest[0] as string, io);
      throw new UsageError(`db: expected create, list or import <file.csv>`);
    }
    throw new UsageError(`unknown command ${group}`);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One line, the message uacregd prints for the same file.
      io.stderr(`ERROR: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof UsageError) {
      io.stderr(`ERROR: ${err.message}\n(uacreg --help for usage)\n`);
      return ExitCode.usage;
    }
    io.stderr(`ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failed;
  }
}
