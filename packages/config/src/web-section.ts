/**
 * `web:` — the status page and its API (docs/web-api.md §1): on by default on loopback (`127.0.0.1:8889`, no
 * token: only local users reach it, as with the MI), off when written as `null`. A token turns bearer-token
 * authentication on; it may be written inline (`token`) or read from a file (`token_file`, e.g. a systemd
 * credential, so the secret stays out of the YAML). Listening on an address that is not loopback without a token is
 * refused, naming `web.token`: the page can disable records.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { ConfigError } from "./config-error.js";
import { parseHostPort } from "./host-port.js";
import { readListenAddress } from "./mi-section.js";
import { readSection, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

/** The `web:` section once validated; `null` in the configuration when turned off. */
export interface WebSection {
  listen: string;
  /** The bearer token (from `token` or `token_file`), null when authentication is off. */
  token: string | null;
  /**
   * The file has a `web:` section. Failing to listen on an address the operator wrote stops start-up; the implicit
   * default (`127.0.0.1:8889`, no `web:` key) taken by another process (a second uacregd on the host) is a warning
   * and the page listens on a loopback port the OS picks: registrations do not stop for a default nobody asked for.
   */
  explicit: boolean;
}

export const DEFAULT_WEB_LISTEN = "127.0.0.1:8889";

/** A token is sent in an HTTP header: printable ASCII without spaces, at most 4096 characters. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,4096}$/;

/** True for the loopback addresses (127.0.0.0/8, ::1) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

export function readWeb(root: YamlMapping): WebSection | null {
  const w = readSection(root, "web");
  if (w === null) return null;
  const section = w ?? {};
  refuseUnknownKeys(section, ["listen", "token", "token_file"], "web.");
  const listen = readListenAddress(section, "listen", "web.", DEFAULT_WEB_LISTEN);
  const token = readToken(section);
  if (token === null && !isLoopbackHost(parseHostPort(listen).host)) {
    throw new ConfigError(
      "web.token",
      null,
      `is required when web.listen (${listen}) is not a loopback address: the page can disable records`,
    );
  }
  return { listen, token, explicit: w !== undefined };
}

function readToken(section: YamlMapping): string | null {
  const inline = section.token;
  const file = section.token_file;
  if (inline !== undefined && inline !== null && file !== undefined && file !== null) {
    throw new ConfigError("web.token_file", file, "give web.token or web.token_file, not both");
  }
  if (file !== undefined && file !== null) {
    if (typeof file !== "string" || file === "") throw new ConfigError("web.token_file", file, "must be a file path");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError("web.token_file", file, `cannot be read (${code})`);
    }
    const token = text.replace(/\r?\n$/, "");
    // The value is never put in the message: only what is wrong with it.
    if (!TOKEN_SHAPE.test(token)) {
      throw new ConfigError(
        "web.token_file",
        file,
        "must hold one token: printable ASCII, no spaces, 1-4096 characters",
      );
    }
    return token;
  }
  if (inline === undefined || inline === null) return null;
  if (typeof inline !== "string" || !TOKEN_SHAPE.test(inline)) {
    throw new ConfigError("web.token", "(hidden)", "must be printable ASCII without spaces, 1-4096 characters");
  }
  return inline;
}
