#!/usr/bin/env -S node --max-semi-space-size=64
/**
 * uacregd's entry point (the `uacregd` bin, the systemd unit's ExecStart). The node flag on the first line is part of
 * the shipped start command: a 64 MiB young generation lets the objects of REGISTER exchanges in flight die young
 * instead of being copied and promoted, about a quarter less CPU per refresh for a fixed ~60-100 MB of RSS
 * (docs/performance.md "V8's young generation"; `node dist/main.js` without it runs with V8's defaults). It installs the start-up signal handlers first and only then loads the
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
