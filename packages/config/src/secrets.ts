/**
 * Secrets outside the YAML (packages/config README "Secrets"): the whole `db_url` from the environment variable
 * `UACREG_DB_URL`, or the password of `db_url` from a file named by `db_password_file` (a systemd credential, a
 * Kubernetes or Docker secret). Precedence: `UACREG_DB_URL` (when set and not empty) over the file's `db_url` over
 * the embedded SQLite default; `db_password_file` then fills the password of whichever URL won. The URL must have a
 * user name and no password of its own: two sources for one password is refused, naming the key, never silently
 * resolved. Nothing here ever puts the password in an error: a `db_url` shows masked, a file only by its path.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";
import { checkDbUrl } from "./db-url-check.js";
import { readString, type YamlMapping } from "./yaml-mapping.js";

/** The environment variable that overrides the file's `db_url`. */
export const DB_URL_VARIABLE = "UACREG_DB_URL";
/** The key naming a file whose content is the password of `db_url`. */
export const DB_PASSWORD_FILE_KEY = "db_password_file";

/** Where the `db_url` in use came from (logged at start-up, never with the password). */
export interface DbUrlSource {
  /** `UACREG_DB_URL` (the environment), `db_url` (the file) or `default` (the embedded SQLite database). */
  readonly url: typeof DB_URL_VARIABLE | "db_url" | "default";
  /** The file the password was read from (`db_password_file`), when one was. */
  readonly passwordFile?: string;
}

/** `UACREG_DB_URL, password from db_password_file /run/secrets/db`: for a log line or `--check-config`. */
export function describeDbUrlSource(source: DbUrlSource): string {
  const url = source.url === "default" ? "the embedded SQLite default" : source.url;
  return source.passwordFile === undefined
    ? url
    : `${url}, password from ${DB_PASSWORD_FILE_KEY} ${source.passwordFile}`;
}

/**
 * The `db_url` in use and where it came from, checked by @uacreg/db's parser.
 * @throws ConfigError naming `UACREG_DB_URL`, `db_url` or `db_password_file`
 */
export function resolveDbUrl(
  root: YamlMapping,
  env: Readonly<Record<string, string | undefined>>,
  defaultUrl: string,
): { db_url: string; source: DbUrlSource } {
  const fromEnv = env[DB_URL_VARIABLE]?.trim() || undefined;
  const fromFile = readString(root, "db_url", "", "") || undefined;
  const url = fromEnv ?? fromFile ?? defaultUrl;
  const urlKey = fromEnv !== undefined ? DB_URL_VARIABLE : fromFile !== undefined ? "db_url" : "default";
  renamingKey(urlKey, () => checkDbUrl(url));
  if (root[DB_PASSWORD_FILE_KEY] === undefined) return { db_url: url, source: { url: urlKey } };
  const file = readString(root, DB_PASSWORD_FILE_KEY, "", "");
  return { db_url: withPasswordFrom(file, url, urlKey), source: { url: urlKey, passwordFile: file } };
}

/** A ConfigError on `db_url` names `UACREG_DB_URL` when the URL came from there. */
function renamingKey<T>(urlKey: DbUrlSource["url"], check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ConfigError) || urlKey !== DB_URL_VARIABLE) throw e;
    throw new ConfigError(
      DB_URL_VARIABLE,
      e.value,
      e.message.replace(/^config: db_url: /, "").replace(/ \(got .*\)$/s, ""),
    );
  }
}

/** `url` with the password read from `file` put in its user info (percent-encoded). */
function withPasswordFrom(file: string, url: string, urlKey: DbUrlSource["url"]): string {
  const parsed = checkDbUrl(url);
  const where = urlKey === "default" ? "the default db_url" : urlKey;
  if (parsed.engine === "sqlite") throw new ConfigError(DB_PASSWORD_FILE_KEY, file, `${where} is SQLite: no password`);
  if (parsed.password !== undefined || Object.keys(parsed.options).some((k) => /pass|pwd|secret/i.test(k))) {
    throw new ConfigError(DB_PASSWORD_FILE_KEY, file, `${where} already has a password: give it in one place only`);
  }
  if (parsed.user === undefined) {
    throw new ConfigError(DB_PASSWORD_FILE_KEY, file, `${where} has no user name (scheme://user@host/database)`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(DB_PASSWORD_FILE_KEY, file, `cannot read the file (${code})`);
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new ConfigError(DB_PASSWORD_FILE_KEY, file, "the file is empty");
  if (/[\r\n]/.test(password)) {
    throw new ConfigError(DB_PASSWORD_FILE_KEY, file, "the file must hold the password on one line");
  }
  const sep = url.indexOf("://") + 3;
  const slash = url.indexOf("/", sep);
  const authority = url.slice(sep, slash);
  const at = authority.lastIndexOf("@");
  return `${url.slice(0, sep)}${authority.slice(0, at)}:${encodeURIComponent(password)}${url.slice(sep + at)}`;
}
