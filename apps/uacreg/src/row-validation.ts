/**
 * How the daemon validates a registrant row, rebuilt from the configuration for `uacreg db import`: core's
 * `parseRegistrantRow` (docs/opensips-behaviour.md §11) with the context the daemon's loader gives it, so that the
 * tool refuses exactly the rows the daemon would not load.
 */
import { type UacregConfig, resolveConfig } from "@uacreg/config";
import { parseForcedSocket, type ValidationContext } from "@uacreg/core";

/** What the daemon's row validation depends on: `registrant.timer_interval`, `default_expires`, the `listen` sockets. */
export interface RowValidationSettings {
  readonly timerInterval: number;
  readonly defaultExpires: number;
  /** The daemon's listening sockets (`listen`), against which a `forced_socket` is checked. */
  readonly listen: readonly string[];
}

/**
 * The validation context the daemon's loader gives core's `parseRegistrantRow` (docs/opensips-behaviour.md §11), built
 * from the configuration: a row this tool imports is one the daemon loads.
 */
export function rowValidation(settings: RowValidationSettings): ValidationContext {
  const sockets = new Set(settings.listen.map((l) => parseForcedSocket(l)).filter((l) => l !== undefined));
  return {
    timerInterval: settings.timerInterval,
    defaultExpires: settings.defaultExpires,
    socketExists: (spec) => sockets.has(spec),
  };
}

/** {@link rowValidation} with the settings of a daemon configuration. */
export function configRowValidation(config: UacregConfig): ValidationContext {
  return rowValidation({
    timerInterval: config.registrant.timer_interval,
    defaultExpires: config.registrant.default_expires,
    listen: config.listen,
  });
}

/** Without a configuration file: the daemon's embedded defaults. */
export function defaultRowValidation(): ValidationContext {
  return configRowValidation(resolveConfig(undefined, "."));
}
