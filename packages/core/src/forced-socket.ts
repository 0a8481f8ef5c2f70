/**
 * `forced_socket` syntax, `proto:host:port` as OpenSIPS writes sockets (docs/opensips-behaviour.md §2.1): proto udp, tcp, tls (any
 * case), host an IPv4 address, a bracketed IPv6 address or a host name, and a decimal port. Whether such a socket is
 * listening is not core's business: the caller passes `socketExists`.
 */
const SOCKET_RE = /^(udp|tcp|tls):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/i;

/** The normalised spec (protocol in lower case), or undefined when the text is not `proto:host:port`. */
export function parseForcedSocket(text: string): string | undefined {
  const m = SOCKET_RE.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return `${(m[1] as string).toLowerCase()}:${m[2]}:${port}`;
}
