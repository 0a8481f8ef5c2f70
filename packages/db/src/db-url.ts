/**
 * `db_url` in the OpenSIPS form (docs/opensips-behaviour.md §1, docs/decisions.md "Keep exactly"):
 * `scheme://[user[:password]@]host[:port]/database[?option=value&…]`, and for SQLite `sqlite:///abs/path.db`,
 * `sqlite://rel/path.db` or `sqlite://:memory:`. User and password are URL-decoded. Parsed here, in one place.
 */
import { HostPortError, type HostPortParts, splitHostPort } from "@uacreg/sip";
import { DbUrlError } from "./db-errors.js";

/** The engine families an adapter can serve. `postgresql` is an alias of `postgres`, `mariadb` of `mysql`. */
export type DbEngine = "sqlite" | "postgres" | "mysql" | "mssql";

const SCHEMES: Record<string, DbEngine> = {
  sqlite: "sqlite",
  postgres: "postgres",
  postgresql: "postgres",
  mysql: "mysql",
  mariadb: "mysql",
  mssql: "mssql",
  sqlserver: "mssql",
};

/** A parsed `db_url`. `toString()` never shows the password. */
export interface ParsedDbUrl {
  /** The scheme as written (lower-cased), e.g. `postgresql`. */
  scheme: string;
  engine: DbEngine;
  /** Decoded user name; undefined when the URL has none. */
  user?: string;
  /** Decoded password; undefined when the URL has none. Never log it. */
  password?: string;
  /** Host name or IP address (IPv6 without brackets); undefined for SQLite. */
  host?: string;
  port?: number;
  /** Database name; for SQLite the file path (absolute, relative to the working directory, or `:memory:`). */
  database: string;
  /** Query options, passed to the driver by the adapter (each adapter lists the ones it accepts). */
  options: Record<string, string>;
  /** The URL with the password replaced by `***`. */
  masked: string;
}

/**
 * Replaces the password of a `db_url` with `***`. Works on URLs that do not parse, so it is safe to use in any
 * error message about a configured URL.
 */
export function maskDbUrl(url: string): string {
  return maskQuerySecrets(maskUserinfo(url));
}

function maskUserinfo(url: string): string {
  const sep = url.indexOf("://");
  if (sep < 0) return url;
  const rest = url.slice(sep + 3);
  const at = rest.lastIndexOf("@");
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0) return url;
  return url.slice(0, sep + 3) + userinfo.slice(0, colon) + ":***" + rest.slice(at);
}

/** A password given as a query option (`?password=…`, `pwd`, `passwd`, `secret`…) is masked too. */
function maskQuerySecrets(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .replace(/(^|&)([^=&]*(?:pass|pwd|secret)[^=&]*)=[^&]*/gi, (_m, lead: string, key: string) => `${lead}${key}=***`);
  return `${url.slice(0, q + 1)}${query}`;
}

function decode(part: string, what: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new DbUrlError(`db_url ${maskDbUrl(url)}: the ${what} is not valid URL encoding`);
  }
}

function parseOptions(query: string, url: string): Record<string, string> {
  const options: Record<string, string> = {};
  if (query === "") return options;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), "option name", url);
    const value = eq < 0 ? "true" : decode(pair.slice(eq + 1).replace(/\+/g, " "), `value of option ${key}`, url);
    options[key] = value;
  }
  return options;
}

/**
 * Parses a `db_url`. Throws {@link DbUrlError} (showing the URL masked) when it is malformed or names an unknown
 * scheme.
 */
export function parseDbUrl(url: string): ParsedDbUrl {
  const masked = maskDbUrl(url);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url.trim());
  if (!m) throw new DbUrlError(`db_url ${masked} is not of the form scheme://…`);
  const scheme = m[1]!.toLowerCase();
  const engine = SCHEMES[scheme];
  if (!engine) {
    throw new DbUrlError(
      `db_url ${masked}: unsupported scheme "${scheme}" (supported: ${Object.keys(SCHEMES).join(", ")})`,
    );
  }
  const rest = m[2]!;

  if (engine === "sqlite") {
    // sqlite:///abs/path.db → "/abs/path.db"; sqlite://rel/path.db → "rel/path.db"; sqlite://:memory: → ":memory:".
    const q = rest.indexOf("?");
    const path = q < 0 ? rest : rest.slice(0, q);
    if (path === "") throw new DbUrlError(`db_url ${masked}: no SQLite file path`);
    const options = parseOptions(q < 0 ? "" : rest.slice(q + 1), url);
    return { scheme, engine, database: decode(path, "file path", url), options, masked };
  }

  // RFC 3986: the authority ends at the first '/'; inside it the last '@' ends the user info. Characters such as
  // '/', '?' or '#' in a password must be percent-encoded (as in any URL).
  const slash = rest.indexOf("/");
  if (slash < 0) throw new DbUrlError(`db_url ${masked}: no database name (expected …/database)`);
  const authority = rest.slice(0, slash);
  const pathQuery = rest.slice(slash + 1);
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  const q = pathQuery.indexOf("?");
  const database = decode(q < 0 ? pathQuery : pathQuery.slice(0, q), "database name", url);
  if (database === "") throw new DbUrlError(`db_url ${masked}: empty database name`);
  const options = parseOptions(q < 0 ? "" : pathQuery.slice(q + 1), url);

  let hp: HostPortParts;
  try {
    hp = splitHostPort(hostport.endsWith(":") ? hostport.slice(0, -1) : hostport);
  } catch (error) {
    const outOfRange = error instanceof HostPortError && /^bad port "\d+"/.test(error.reason);
    const portText = hostport.slice(hostport.lastIndexOf(":") + 1);
    throw new DbUrlError(
      outOfRange
        ? `db_url ${masked}: port ${portText} is out of range 1..65535`
        : `db_url ${masked}: bad host "${hostport}"`,
    );
  }
  const host = hp.host;
  const port = hp.port;
  if (port !== undefined && port < 1) throw new DbUrlError(`db_url ${masked}: port ${port} is out of range 1..65535`);

  const parsed: ParsedDbUrl = { scheme, engine, host, database, options, masked };
  if (port !== undefined) parsed.port = port;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    parsed.user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "user name", url);
    if (colon >= 0) parsed.password = decode(userinfo.slice(colon + 1), "password", url);
  }
  return parsed;
}
