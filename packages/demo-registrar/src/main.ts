#!/usr/bin/env node
import { DemoRegistrarUsageError, parseDemoRegistrarArgs, USAGE } from "./command-line.js";
import { startDemoRegistrar } from "./demo-registrar.js";
import { openRegisterLogFile } from "./register-log.js";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseDemoRegistrarArgs>;
  try {
    args = parseDemoRegistrarArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof DemoRegistrarUsageError) {
      process.stderr.write(`uacreg-demo-registrar: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string) => {
    if (!args.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const registerLog = args.registerLogFile === undefined ? undefined : openRegisterLogFile(args.registerLogFile);
  const registrar = await startDemoRegistrar({
    ...args.options,
    ...(registerLog ? { registerLog: (entry) => registerLog.write(entry) } : {}),
    onEvent: (e) => {
      if (e.type === "registered") log(`registered ${e.aor} -> ${e.contact} for ${e.expires}s (from ${e.source})`);
      else if (e.type === "unregistered") log(`unregistered ${e.aor} -> ${e.contact} (from ${e.source})`);
      else log(`rejected ${e.aor || "?"} with ${e.status}: ${e.reason} (from ${e.source})`);
    },
  });
  const users = Object.keys(args.options.users).join(", ");
  process.stdout.write(
    `uacreg-demo-registrar listening on udp:${registrar.host}:${registrar.port}, realm "${args.options.realm}", users: ${users}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await registrar.close();
  await registerLog?.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`uacreg-demo-registrar: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
