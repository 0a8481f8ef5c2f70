/**
 * Signals while the daemon loads and starts. Until `runDaemon` takes over, Node would apply the default action: a
 * SIGHUP (logrotate, `systemctl reload`) would kill the process and a SIGTERM would end it with 143 instead of a
 * clean exit 0. `main.ts` installs these handlers before it loads anything heavy: a SIGHUP is then counted and
 * ignored (the records are about to be loaded anyway) and a SIGTERM or SIGINT is remembered and honoured as soon as
 * the daemon has started.
 */
let stopSignal: NodeJS.Signals | undefined;
let hups = 0;
let installed = false;
const onStop = (signal: NodeJS.Signals) => {
  stopSignal ??= signal;
};
const onHup = () => {
  hups++;
};

/** Called once, first thing, by the `uacregd` entry point. */
export function installStartUpSignals(): void {
  if (installed) return;
  installed = true;
  process.once("SIGTERM", onStop);
  process.once("SIGINT", onStop);
  process.on("SIGHUP", onHup);
}

/** Removes the start-up handlers (call after installing the real ones); says what arrived meanwhile. */
export function takeOverStartUpSignals(): { stop?: NodeJS.Signals; hups: number } {
  if (installed) {
    installed = false;
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onHup);
  }
  return stopSignal === undefined ? { hups } : { stop: stopSignal, hups };
}
