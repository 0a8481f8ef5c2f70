/**
 * The `uacreg` command line, parsed by commander: `mi` (talk to a running uacregd, or OpenSIPS, like
 * `opensips-cli -x mi`), `status` (the registrations at a glance), `db` (create, import, export, list the registrant
 * table) and `completion` (bash/zsh). The configuration is resolved as the daemon does it (@uacreg/config:
 * `--config`, else `UACREG_CONFIG`).
 */
import { ConfigError, type ConfigEnvironment, processEnvironment } from "@uacreg/config";
import { Argument, Command, CommanderError, Option } from "commander";
import { type CliConfig, loadCliConfig } from "./cli-config.js";
import { type CliIo, ExitCode, processIo } from "./cli-io.js";
import { completionScript, SHELLS, type Shell } from "./completion.js";
import { dbExport } from "./csv-export.js";
import { dbImport } from "./csv-import.js";
import { dbCreate, dbList, type DbTarget } from "./db-commands.js";
import { type MiEndpoint, type OutputFormat, runMiCall } from "./mi-command.js";
import { runStatus } from "./status-command.js";
import { paintFor } from "./text-table.js";
import { UsageError } from "./usage-error.js";
import { versionText } from "./version.js";

const EXIT_CODES = `
Configuration: --config FILE, else $UACREG_CONFIG: the uacregd YAML (db_url, registrant.table_name,
registrant.*_column, mi.http, mi.fifo), validated as uacregd does.
Exit codes: 0 ok, 1 error reply / database error / rows skipped, 2 usage error, 3 MI unreachable.`;

interface MiOptions {
  url?: string;
  fifo?: string;
  replyDir?: string;
  timeout?: string;
  config?: string;
}

interface DbOptions {
  dbUrl?: string;
  table?: string;
  config?: string;
}

/** What every action needs. */
interface Context {
  readonly io: CliIo;
  readonly environment: ConfigEnvironment;
  readonly now: () => number;
  code: number;
}

function miEndpoint(o: MiOptions, config: CliConfig | undefined): MiEndpoint {
  if (o.url && o.fifo) throw new UsageError("give either --url or --fifo, not both");
  const replyDir = o.replyDir ?? config?.miFifo?.replyDir ?? "/tmp/";
  if (o.fifo) return { kind: "fifo", path: o.fifo, replyDir };
  if (o.url) return { kind: "http", url: o.url };
  if (config?.miUrl) return { kind: "http", url: config.miUrl };
  if (config?.miFifo) return { kind: "fifo", path: config.miFifo.path, replyDir };
  return { kind: "http", url: "http://127.0.0.1:8888/mi" };
}

function timeoutMs(raw: string | undefined): number {
  const text = raw ?? "30";
  const timeout = Number(text);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout ${text}: must be a positive number`);
  return timeout * 1000;
}

function dbTarget(o: DbOptions, config: CliConfig | undefined): DbTarget {
  const dbUrl = o.dbUrl ?? config?.dbUrl;
  if (!dbUrl) throw new UsageError("give --db-url URL or --config FILE");
  const table = { ...(config?.table ?? {}) };
  if (o.table) table.tableName = o.table;
  return config ? { dbUrl, table, rowValidation: config.rowValidation } : { dbUrl, table };
}

function miTransportOptions(cmd: Command): Command {
  return cmd
    .option("--url <url>", "MI over HTTP (default http://127.0.0.1:8888/mi, or mi.http of --config)")
    .option("--fifo <path>", "MI over the FIFO instead (e.g. /tmp/uacreg_fifo, or mi.fifo of --config)")
    .option("--reply-dir <dir>", "directory of the reply FIFO: must be the daemon's mi.fifo.reply_dir (default /tmp/)")
    .option("--timeout <seconds>", "give up waiting for a reply (default 30)")
    .option("--config <file>", "the uacregd YAML (also accepted before the command)");
}

function dbOptions(cmd: Command): Command {
  return cmd
    .option(
      "--db-url <url>",
      "sqlite:///path.db, postgres://user:pass@host/db, mysql://…, mssql://… (default: db_url of --config)",
    )
    .option("--table <name>", "table name (default: registrant.table_name of --config, else registrant)")
    .option("--config <file>", "the uacregd YAML (also accepted before the command)");
}

/** The command tree; actions record their exit code in `ctx`. */
export function buildProgram(ctx: Context): Command {
  const { io } = ctx;
  const configOf = (cmd: Command): CliConfig | undefined =>
    loadCliConfig(cmd.optsWithGlobals<{ config?: string }>().config, ctx.environment);
  const program = new Command("uacreg");
  program
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`ERROR: ${s.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(uacreg --help for usage)")
    .enablePositionalOptions()
    .description("Drive uacregd over its Management Interface and manage the registrant table.")
    .version(versionText(), "-V, --version", "print the version and the commit it was built from")
    .option("--config <file>", "the uacregd YAML config (default: $UACREG_CONFIG)")
    .option("--debug", "show internal details (stack traces) of unexpected errors")
    .addHelpText("after", EXIT_CODES);

  miTransportOptions(
    program
      .command("mi")
      .description(
        "call an MI command, as `opensips-cli -x mi`: arguments that all look like name=value are sent as named " +
          "params, otherwise as positional params; everything after the command name is an argument",
      )
      .argument("<command>", "the MI command, e.g. reg_list, reg_disable, which")
      .argument("[args...]", "its arguments")
      .option("-j, --json", "JSON-decode each argument value where it parses")
      .addOption(
        new Option("-o, --output <format>", "json (opensips-cli's pretty print) or table").choices(["json", "table"]),
      ),
  )
    .passThroughOptions()
    .action(async (command: string, args: string[], o: MiOptions & { json?: boolean; output?: OutputFormat }, cmd) => {
      ctx.code = await runMiCall(
        {
          endpoint: miEndpoint(o, configOf(cmd)),
          command,
          args,
          json: o.json === true,
          timeoutMs: timeoutMs(o.timeout),
          output: o.output ?? "json",
        },
        io,
      );
    });

  miTransportOptions(
    program
      .command("status")
      .description(
        "records per state, then every record that is not registered: state, what it means, last REGISTER sent, " +
          "next attempt (over the MI: reg_stats and reg_list)",
      )
      .option("--json", "the report as JSON (same as -o json)")
      .addOption(new Option("-o, --output <format>", "table (default) or json").choices(["json", "table"])),
  ).action(async (o: MiOptions & { json?: boolean; output?: OutputFormat }, cmd: Command) => {
    const env = ctx.environment.env;
    ctx.code = await runStatus(
      miEndpoint(o, configOf(cmd)),
      timeoutMs(o.timeout),
      o.json ? "json" : (o.output ?? "table"),
      paintFor(io.stdoutIsTTY, env),
      io,
      () => Math.floor(ctx.now() / 1000),
    );
  });

  const db = program.command("db").description("create, import into, export and list the registrant table");
  dbOptions(
    db
      .command("create")
      .description("create the registrant table (version 3) and the cluster tables, if absent (idempotent)"),
  ).action(async (o: DbOptions, cmd: Command) => {
    ctx.code = await dbCreate(dbTarget(o, configOf(cmd)), io);
  });
  dbOptions(
    db
      .command("import")
      .description(
        "upsert the rows of a CSV file (header row of column names), streamed, in batches; prints inserted / " +
          "updated / unchanged / skipped, each skipped line named",
      )
      .argument("<file.csv>", "the CSV file"),
  ).action(async (file: string, o: DbOptions, cmd: Command) => {
    ctx.code = await dbImport(dbTarget(o, configOf(cmd)), file, io, ctx.now);
  });
  dbOptions(
    db
      .command("export")
      .description("write the table as CSV (the columns import reads), streamed; passwords only with --with-passwords")
      .argument("[file]", "output file (default: stdout)")
      .option("--with-passwords", "write the passwords (otherwise the password column is empty)"),
  ).action(async (file: string | undefined, o: DbOptions & { withPasswords?: boolean }, cmd: Command) => {
    ctx.code = await dbExport(
      dbTarget(o, configOf(cmd)),
      { ...(file === undefined ? {} : { file }), withPasswords: o.withPasswords === true },
      io,
    );
  });
  dbOptions(db.command("list").description("every row as JSON, passwords masked")).action(
    async (o: DbOptions, cmd: Command) => {
      ctx.code = await dbList(dbTarget(o, configOf(cmd)), io);
    },
  );

  program
    .command("completion")
    .description("print a shell completion script: `source <(uacreg completion bash)`, or in ~/.zshrc for zsh")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(SHELLS))
    .action((shell: Shell) => {
      io.stdout(completionScript(shell, program));
      ctx.code = ExitCode.ok;
    });
  return program;
}

/**
 * Runs the tool with `argv` (without `node` and the script); resolves with the exit code. Never throws.
 * `environment`: where UACREG_CONFIG, NO_COLOR and the default data_dir come from (tests pass their own); `now`: the
 * wall clock in ms (status ages, import progress).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo,
  environment: ConfigEnvironment = processEnvironment(),
  now: () => number = Date.now,
): Promise<number> {
  const ctx: Context = { io, environment, now, code: ExitCode.ok };
  const program = buildProgram(ctx);
  try {
    if (argv.length === 0) {
      io.stderr(program.helpInformation());
      return ExitCode.usage;
    }
    await program.parseAsync([...argv], { from: "user" });
    return ctx.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with 0; a bad command line was already explained by commander.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof ConfigError) {
      // One line, the message uacregd prints for the same file.
      io.stderr(`ERROR: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof UsageError) {
      io.stderr(`ERROR: ${err.message}\n(uacreg --help for usage)\n`);
      return ExitCode.usage;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true;
    const detail = debug && err instanceof Error && err.stack ? `\n${err.stack}` : "";
    io.stderr(`ERROR: ${err instanceof Error ? err.message : String(err)}${detail}\n`);
    return ExitCode.failed;
  }
}
