/**
 * `host:port`, as the config writes a TCP listening address (`mi.http.listen`, `metrics.listen`): a host name or an
 * IPv4 address, or an IPv6 address in brackets (RFC 3986 §3.2.2 `IP-literal`, RFC 3261 §25.1 `IPv6reference`), then
 * a decimal port 0..65535 (0: the OS picks one). Split by @uacreg/sip's `splitHostPort`, the one parser of it.
 */
import { formatHostPort as hostPort, HostPortError, splitHostPort } from "@uacreg/sip";

export { HostPortError };

/** A parsed `host:port`; `host` carries no brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port` / `[v6]:port` with a required port (0: the OS picks one), through @uacreg/sip's hostport parser.
 * @throws HostPortError when the port is missing or out of range, the host is empty, or an IPv6 address has no brackets
 */
export function parseHostPort(text: string): HostPort {
  const { host, port } = splitHostPort(text, { portRequired: true });
  return { host, port: port as number };
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
