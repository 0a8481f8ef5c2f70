/**
 * `host:port`, as the config writes a TCP listening address (`mi.http.listen`, `metrics.listen`): a host name or an
 * IPv4 address, or an IPv6 address in brackets (RFC 3986 §3.2.2 `IP-literal`, RFC 3261 §25.1 `IPv6reference`), then
 * a decimal port 0..65535 (0: the OS picks one). The one parser of this form in uacreg.
 */
import { hostPort } from "@uacreg/transport";

/** A parsed `host:port`; `host` carries no brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A text that is not `host:port`. */
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
 * Parses `host:port` / `[v6]:port`.
 * @throws HostPortError when the port is missing or out of range, the host is empty, or an IPv6 address has no brackets
 */
export function parseHostPort(text: string): HostPort {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new HostPortError(text, "unclosed [ in the IPv6 address");
    host = text.slice(1, close);
    if (text[close + 1] !== ":") throw new HostPortError(text, "expected :port after ]");
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new HostPortError(text, "no :port");
    if (text.indexOf(":") !== colon) throw new HostPortError(text, "an IPv6 address must be in brackets");
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (host.trim() === "") throw new HostPortError(text, "empty host");
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new HostPortError(text, `bad port "${portText}" (0..65535)`);
  }
  return { host, port: Number(portText) };
}

/**
 * The `host:port` a client on this machine dials to reach a server listening on `listen`: the wildcard addresses
 * `0.0.0.0` / `::` become the loopback address of their family.
 */
export function dialableHostPort(listen: string): string {
  const { host, port } = parseHostPort(listen);
  const dial = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return hostPort(dial, port);
}
