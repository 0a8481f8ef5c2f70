/**
 * Ready-made definitions of OpenSIPS core commands a daemon registers next to its own (`uptime`, `version`), with the
 * reply shapes of OpenSIPS's `mi_core.c`. `which` and `help` are built into {@link MiRegistry}.
 */
import { type Clock, systemClock } from "@uacreg/runtime";
import { formatCtime } from "./ctime.js";
import type { MiCommand } from "./mi-registry.js";

/** Options of {@link uptimeCommand}. */
export interface UptimeOptions {
  /** Start time, unix milliseconds. */
  readonly startedAt: number;
  /** The clock whose wall time (`wallNow()`, unix milliseconds) is "Now" (default {@link systemClock}). */
  readonly clock?: Clock;
  /** Format times in UTC instead of local time. */
  readonly utc?: boolean;
}

/** `uptime` → `{"Now":"<ctime>","Up since":"<ctime>","Up time":"<n> [sec]"}`. */
export function uptimeCommand(options: UptimeOptions): MiCommand {
  const clock = options.clock ?? systemClock;
  return {
    name: "uptime",
    aliases: ["core:uptime"],
    module: "core",
    help: "prints various time information about the server - when it started to run, for how long it runs",
    recipes: [[]],
    handler: () => {
      const t = clock.wallNow();
      return {
        Now: formatCtime(t / 1000, options.utc),
        "Up since": formatCtime(options.startedAt / 1000, options.utc),
        "Up time": `${Math.max(0, Math.floor((t - options.startedAt) / 1000))} [sec]`,
      };
    },
  };
}

/** `version` → `{"Server":"<server>"}` (OpenSIPS prints e.g. `OpenSIPS (3.6.8 (x86_64/linux))`). */
export function versionCommand(server: string): MiCommand {
  return {
    name: "version",
    aliases: ["core:version"],
    module: "core",
    help: "prints the version string of the running server",
    recipes: [[]],
    handler: () => ({ Server: server }),
  };
}
