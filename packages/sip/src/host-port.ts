/**
 * `hostport` (RFC 3261 §25.1: `host [ ":" port ]`, `host = hostname / IPv4address / IPv6reference`): the one parser
 * of `host:port` in uacreg. Socket specs (`udp:host:port`), `forced_socket`, listen addresses of the MI and metrics
 * servers and the authority of a `db_url` all split their `host:port` here and then apply their own rules (a literal
 * IP only, a port required, port 0 allowed or not).
 */

/** A split `host[:port]`; `host` has no brackets, `port` is absent when the text has none. */
export interface HostPortParts {
  readonly host: string;
  readonly port?: number;
  /** True when the host was written as a bracketed IPv6 reference. */
  readonly bracketed: boolean;
}

/** A text that is not `host[:port]`; `reason` says what is wrong. */
export class HostPortError extends Error {
  override readonly name = "HostPortError";
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {
    super(`"${text}" is not host:port: ${reason}`);
  }
}

/**
 * Splits `host`, `host:port`, `[v6]` or `[v6]:port`. An unbracketed host with more than one colon is refused (an IPv6
 * address needs brackets, RFC 3261 §25.1 `IPv6reference`); the port is 1 to 5 digits, 0..65535.
 * @param options.portRequired refuse a text without `:port`
 * @throws HostPortError
 */
export function splitHostPort(text: string, options: { portRequired?: boolean } = {}): HostPortParts {
  let host: string;
  let portText: string | undefined;
  const bracketed = text.startsWith("[");
  if (bracketed) {
    const close = text.indexOf("]");
    if (close < 0) throw new HostPortError(text, "unclosed [ in the IPv6 address");
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) throw new HostPortError(text, "expected :port after ]");
      portText = after.slice(1);
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon >= 0 && text.indexOf(":") !== colon) {
      throw new HostPortError(text, "an IPv6 address must be in brackets");
    }
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host.trim() === "") throw new HostPortError(text, "empty host");
  if (portText === undefined) {
    if (options.portRequired === true) throw new HostPortError(text, "no :port");
    return { host, bracketed };
  }
  if (!isPortText(portText)) throw new HostPortError(text, `bad port "${portText}" (0..65535)`);
  return { host, port: Number(portText), bracketed };
}

/** `host:port` for a Via sent-by, a socket spec or a log line, IPv6 in brackets (RFC 3261 §25.1 `IPv6reference`). */
export function formatHostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function isPortText(text: string): boolean {
  if (text.length < 1 || text.length > 5) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(text) <= 65535;
}
