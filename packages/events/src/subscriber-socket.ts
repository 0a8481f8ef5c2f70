/**
 * The `socket` parameter of `event_subscribe` (docs/events.md §1): `udp:host:port` (OpenSIPS's event_datagram) or
 * `tcp:host:port[/method]` (event_stream); `stream:` is accepted as another name of `tcp:`. The host may be an IPv4
 * or IPv6 address (IPv6 in brackets) or a DNS name, resolved once when subscribing, as OpenSIPS does.
 */
import { isIP } from "node:net";

/** How events reach a subscriber. */
export type EventTransportName = "udp" | "tcp";

/** A parsed subscriber socket, before its host is resolved. */
export interface SubscriberSocket {
  readonly transport: EventTransportName;
  /** The host as written (without IPv6 brackets). */
  readonly host: string;
  readonly port: number;
  /** `tcp:` only: the JSON-RPC method to call instead of the event name. */
  readonly method?: string;
}

/** The socket is not one a transport accepts (answered as 400 "Bad parameter value", as OpenSIPS). */
export class SubscriberSocketError extends Error {
  override readonly name = "SubscriberSocketError";
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

/** Parses `udp:…` / `tcp:…` / `stream:…`; throws {@link SubscriberSocketError} saying what is wrong. */
export function parseSubscriberSocket(text: string): SubscriberSocket {
  const colon = text.indexOf(":");
  const proto = colon < 0 ? text : text.slice(0, colon);
  let transport: EventTransportName;
  if (proto === "udp") transport = "udp";
  else if (proto === "tcp" || proto === "stream") transport = "tcp";
  else if (proto === "unix") throw new SubscriberSocketError("unix: datagram sockets are not supported (use udp:)");
  else throw new SubscriberSocketError(`no transport for "${proto}" (udp:, tcp: or stream:)`);
  let rest = text.slice(colon + 1);
  let method: string | undefined;
  if (transport === "tcp") {
    const slash = rest.indexOf("/");
    if (slash >= 0) {
      method = rest.slice(slash + 1);
      rest = rest.slice(0, slash);
      if (method.length === 0) method = undefined;
    }
  }
  let host: string;
  let portText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":") throw new SubscriberSocketError(`port not specified in ${text}`);
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (isIP(host) !== 6) throw new SubscriberSocketError(`not an IPv6 address: ${host}`);
  } else {
    const c = rest.lastIndexOf(":");
    if (c <= 0) throw new SubscriberSocketError(`port not specified in ${text}`);
    host = rest.slice(0, c);
    portText = rest.slice(c + 1);
    if (isIP(host) === 0 && !HOST_NAME.test(host)) throw new SubscriberSocketError(`malformed host: ${host}`);
  }
  if (!/^[0-9]{1,5}$/.test(portText)) throw new SubscriberSocketError(`malformed port: ${portText}`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new SubscriberSocketError(`malformed port: ${portText}`);
  return method === undefined ? { transport, host, port } : { transport, host, port, method };
}

/** The socket as `subscribers_list` prints it: `udp:127.0.0.1:9000`, `tcp:[::1]:9000/method`. */
export function printSubscriberSocket(s: SubscriberSocket): string {
  const host = s.host.includes(":") ? `[${s.host}]` : s.host;
  return `${s.transport}:${host}:${s.port}${s.method === undefined ? "" : `/${s.method}`}`;
}

/** Whether two sockets name the same subscriber (OpenSIPS compares the host as written, the port and the method). */
export function sameSubscriber(a: SubscriberSocket, b: SubscriberSocket): boolean {
  return a.transport === b.transport && a.host === b.host && a.port === b.port && a.method === b.method;
}
