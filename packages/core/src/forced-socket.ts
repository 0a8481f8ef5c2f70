import { splitHostPort } from "@uacreg/sip";
import { hostProblem } from "./uri-host.js";

/**
 * `forced_socket` syntax, `proto:host:port` as OpenSIPS writes sockets (docs/opensips-behaviour.md §2.1): proto udp,
 * tcp, tls (any case), host an IPv4 address, a bracketed IPv6 address or a host name (checked like a URI's host,
 * ./uri-host.ts), and a decimal port 1..65535, split by @uacreg/sip's hostport parser. Whether such a socket is listening is not core's business: the caller
 * passes `socketExists`.
 */
const PROTO_RE = /^(udp|tcp|tls):/i;

/** The normalised spec (protocol in lower case), or undefined when the text is not `proto:host:port`. */
export function parseForcedSocket(text: string): string | undefined {
  const spec = text.trim();
  const proto = PROTO_RE.exec(spec);
  if (proto === null) return undefined;
  const hostport = spec.slice(proto[0].length);
  let parts: ReturnType<typeof splitHostPort>;
  try {
    parts = splitHostPort(hostport, { portRequired: true });
  } catch {
    return undefined;
  }
  const host = parts.bracketed ? `[${parts.host}]` : parts.host;
  if (hostProblem(host) !== undefined) return undefined;
  const port = parts.port as number;
  if (port < 1) return undefined;
  return `${(proto[1] as string).toLowerCase()}:${host}:${port}`;
}
