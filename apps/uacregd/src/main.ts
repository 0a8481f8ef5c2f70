#!/usr/bin/env node
/**
 * uacregd's entry point (the `uacregd` bin). It installs the start-up signal handlers first and only then loads the
 * daemon (database drivers, engine: a few hundred milliseconds), so that a SIGHUP or SIGTERM that arrives while it
 * loads does not kill it with the default action. See `cli.ts` for the program itself.
 */
import { installStartUpSignals } from "./start-up-signals.js";

installStartUpSignals();
const { main } = await import("./cli.js");
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`uacregd: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
