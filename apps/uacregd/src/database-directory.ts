/**
 * Where the SQLite database lives (`data_dir`, or the path of a `sqlite://` db_url): checked the same way by
 * `--check-config` and by start-up before it creates the directory, so that the check refuses exactly what start-up
 * would.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, defaultDbUrl, type UacregConfig } from "@uacreg/config";
import { parseDbUrl } from "@uacreg/db";

/** The directory of the SQLite database file, or undefined when the database is not a SQLite file. */
export function databaseDirectory(config: UacregConfig): string | undefined {
  const url = parseDbUrl(config.db_url);
  if (url.scheme !== "sqlite" || url.database === ":memory:") return undefined;
  return dirname(url.database);
}

/**
 * Checks, without creating anything, that the database directory exists and is writable, or can be created: its
 * nearest existing ancestor is a directory this process may write into.
 * @throws ConfigError on `data_dir` (the default database) or `db_url` (a `sqlite://` URL of its own)
 */
export function checkDatabaseDirectory(config: UacregConfig): void {
  const dir = databaseDirectory(config);
  if (dir === undefined) return;
  const refuse = (reason: string): never => {
    const own = config.db_url === defaultDbUrl(config.data_dir);
    throw new ConfigError(own ? "data_dir" : "db_url", own ? config.data_dir : config.db_url, reason);
  };
  let existing = dir;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  let isDir = false;
  try {
    isDir = statSync(existing).isDirectory();
  } catch (e) {
    refuse(`the database directory cannot be created: ${existing} (${(e as NodeJS.ErrnoException).code})`);
  }
  const verb = existing === dir ? "written" : "created";
  if (!isDir) refuse(`the database directory cannot be ${verb}: ${existing} is not a directory`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    refuse(`the database directory cannot be ${verb}: ${existing} (${(e as NodeJS.ErrnoException).code})`);
  }
  // Under /proc and /sys, mkdir answers ENOENT beneath an existing, writable-looking parent.
  if (existing !== dir && /^\/(proc|sys)(\/|$)/.test(existing)) {
    refuse(`the database directory cannot be created: ${existing} is a kernel file system`);
  }
}

/**
 * Start-up: {@link checkDatabaseDirectory}, then `mkdir -p` one level at a time. Node 20's
 * `mkdirSync(…, { recursive: true })` loops forever, blocking the event loop (so even SIGTERM is lost), where mkdir
 * answers ENOENT under an existing parent, as under /proc or /sys; here that is an ordinary error naming the path.
 */
export function makeDatabaseDirectory(config: UacregConfig): void {
  checkDatabaseDirectory(config);
  const dir = databaseDirectory(config);
  if (dir !== undefined) makeDirs(dir);
}

function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}
