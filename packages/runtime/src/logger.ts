/**
 * The one logger shape of uacreg (docs/contracts.md "Logger"): a pino-compatible subset, structured fields first, then
 * the message. Packages take a `Logger`; the daemon passes pino. Never put a password in either argument.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything (the default of every package). */
export const SILENT_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
