/**
 * Where the configuration comes from, the same for `uacregd` and `uacreg`: the `--config` flag, else the
 * `UACREG_CONFIG` environment variable, else no file (the embedded defaults). `data_dir`: the file's `data_dir`, else
 * `--data-dir`, else `UACREG_DATA_DIR`, else `/var/lib/uacreg` for root and `./var` for anyone else. `db_url`:
 * `UACREG_DB_URL`, else the file's (secrets.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { SYSTEM_DATA_DIR } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import type { UacregConfig } from "./config-schema.js";
import { resolveConfig } from "./resolve-config.js";

/** The environment variable naming the config file. */
export const CONFIG_FILE_VARIABLE = "UACREG_CONFIG";
/** The environment variable naming the data directory. */
export const DATA_DIR_VARIABLE = "UACREG_DATA_DIR";

/** What the defaults depend on besides the flags: the environment, the working directory, the user. */
export interface ConfigEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The process's user id; undefined where there is none (Windows). */
  readonly uid: number | undefined;
}

/** The flags both apps take. */
export interface ConfigFlags {
  /** `--config FILE` (uacregd's `--check-config FILE` too). */
  readonly config?: string | undefined;
  /** `--data-dir DIR`. */
  readonly dataDir?: string | undefined;
}

/** The validated configuration and the file it came from (undefined: the embedded defaults). */
export interface LoadedConfig {
  readonly file: string | undefined;
  readonly config: UacregConfig;
}

/** The environment of this process. */
export function processEnvironment(): ConfigEnvironment {
  return { env: process.env, cwd: process.cwd(), uid: process.getuid?.() };
}

/** `--config`, else `UACREG_CONFIG`, else undefined (no file). An empty variable counts as unset. */
export function configFileOf(flags: ConfigFlags, environment: ConfigEnvironment): string | undefined {
  return flags.config ?? (environment.env[CONFIG_FILE_VARIABLE] || undefined);
}

/** `--data-dir`, else `UACREG_DATA_DIR`, else `/var/lib/uacreg` for root and `<cwd>/var` for anyone else. */
export function dataDirOf(flags: ConfigFlags, environment: ConfigEnvironment): string {
  return (
    flags.dataDir ??
    (environment.env[DATA_DIR_VARIABLE] || undefined) ??
    (environment.uid === 0 ? SYSTEM_DATA_DIR : join(environment.cwd, "var"))
  );
}

/**
 * Locates, reads and validates the configuration as both apps do.
 * @throws ConfigError naming `--config` (unreadable file, not YAML) or the key at fault
 */
export function loadConfig(flags: ConfigFlags, environment: ConfigEnvironment = processEnvironment()): LoadedConfig {
  const file = configFileOf(flags, environment);
  const dataDir = dataDirOf(flags, environment);
  const env = environment.env;
  return {
    file,
    config: file === undefined ? resolveConfig(undefined, dataDir, env) : readConfigFile(file, dataDir, env),
  };
}

/**
 * Reads one YAML file and validates it; `env` as for {@link resolveConfig} (`UACREG_DB_URL`).
 * @throws ConfigError naming `--config` (unreadable file, not YAML) or the key at fault
 */
export function readConfigFile(
  file: string,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): UacregConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError("--config", file, `cannot read the file (${code})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError("--config", file, `not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  return resolveConfig(doc, dataDir, env);
}
