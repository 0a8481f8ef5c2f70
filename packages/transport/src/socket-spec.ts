import { isIP } from "node:net";
import { formatHostPort, HostPortError, type HostPortParts, splitHostPort } from "@uacreg/sip";
import { SocketSpecError } from "./transport-error.js";

/** Transport protocols we speak (RFC 3261 §18; TLS is TCP + TLS, RFC 3261 §26.2). */
export type TransportProtocol = "udp" | "tcp" | "tls";

/** A parsed `proto:host:port` socket, as OpenSIPS writes `listen=` and `forced_socket`. */
export interface SocketSpec {
  readonly proto: TransportProtocol;
  /** Literal IP address, without brackets. */
  readonly address: string;
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Canonical text: `udp:127.0.0.1:5060`, `tcp:[::1]:5060`. */
  readonly canonical: string;
}

const DEFAULT_PORT: Record<TransportProtocol, number> = { udp: 5060, tcp: 5060, tls: 5061 };

/**
 * Parses `proto:host[:port]` (`udp:127.0.0.1:5060`, `tcp:[::1]:5060`, `tls:0.0.0.0:5061`). The host must be a
 * literal IPv4 or bracketed IPv6 address; the port defaults to 5060 (5061 for TLS), and port 0 asks the OS for one.
 * Protocol names are case-insensitive, as in OpenSIPS.
 */
export function parseSocketSpec(text: string): SocketSpec {
  const spec = text.trim();
  const colon = spec.indexOf(":");
  if (colon < 0) throw new SocketSpecError(text, "expected proto:host:port");
  const protoText = spec.slice(0, colon).toLowerCase();
  if (protoText !== "udp" && protoText !== "tcp" && protoText !== "tls") {
    throw new SocketSpecError(text, `unknown protocol "${spec.slice(0, colon)}" (udp, tcp or tls)`);
  }
  const proto: TransportProtocol = protoText;
  let parts: HostPortParts;
  try {
    parts = splitHostPort(spec.slice(colon + 1));
  } catch (error) {
    if (error instanceof HostPortError) throw new SocketSpecError(text, error.reason);
    throw error;
  }
  const host = parts.host;
  if (parts.bracketed ? isIP(host) !== 6 : isIP(host) !== 4) {
    throw new SocketSpecError(text, `"${host}" is not ${parts.bracketed ? "an IPv6" : "an IP"} address`);
  }
  const port = parts.port ?? DEFAULT_PORT[proto];
  return makeSocketSpec(proto, host, port);
}

/** Builds a spec from parts (used once the OS has picked a port for `:0`). */
export function makeSocketSpec(proto: TransportProtocol, address: string, port: number): SocketSpec {
  const family = isIP(address) === 6 ? 6 : 4;
  const canonical = `${proto}:${formatHostPort(address, port)}`;
  return { proto, address, port, family, canonical };
}

/** `host:port` for a Via sent-by or a log line, IPv6 in brackets (@uacreg/sip's {@link formatHostPort}). */
export const hostPort = formatHostPort;

/** True for `0.0.0.0` and `::`, the wildcard addresses. */
export function isWildcardAddress(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}
