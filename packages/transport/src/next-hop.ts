import { TransportError } from "./transport-error.js";

/** The parts of a next-hop URI that RFC 3263 looks at. */
export interface NextHop {
  readonly scheme: "sip" | "sips";
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port?: number;
  /** The `transport=` URI parameter, if any. */
  readonly transport?: string;
}

/**
 * Reads scheme, host, port and `transport=` from a SIP/SIPS URI (RFC 3261 §19.1.1), ignoring user, other parameters
 * and headers. Rejects anything else with a {@link TransportError} (code `no-target`).
 */
export function parseNextHop(uri: string): NextHop {
  const text = uri.trim().replace(/^<(.*)>$/, "$1");
  const m = /^(sips?):/i.exec(text);
  if (!m) throw new TransportError(`next hop "${uri}" is not a sip: or sips: URI`, "no-target");
  const scheme = m[1]!.toLowerCase() as "sip" | "sips";
  let rest = text.slice(m[0].length);
  const q = rest.indexOf("?");
  if (q >= 0) rest = rest.slice(0, q);
  const at = rest.lastIndexOf("@", rest.indexOf(";") >= 0 ? rest.indexOf(";") : rest.length);
  if (at >= 0) rest = rest.slice(at + 1);
  const semi = rest.indexOf(";");
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const params = semi >= 0 ? rest.slice(semi + 1).split(";") : [];
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    host = close > 0 ? hostport.slice(1, close) : "";
    const after = close > 0 ? hostport.slice(close + 1) : "";
    if (after.startsWith(":")) portText = after.slice(1);
    else if (after !== "") host = "";
  } else {
    const c = hostport.indexOf(":");
    host = c >= 0 ? hostport.slice(0, c) : hostport;
    if (c >= 0) portText = hostport.slice(c + 1);
  }
  if (host === "" || /[\s<>"]/.test(host)) throw new TransportError(`next hop "${uri}" has no valid host`, "no-target");
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535 || Number(portText) === 0) {
      throw new TransportError(`next hop "${uri}" has a bad port`, "no-target");
    }
    port = Number(portText);
  }
  let transport: string | undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === "transport") transport = p.slice(eq + 1).trim();
  }
  const hop: NextHop = { scheme, host: host.toLowerCase(), port, transport };
  return hop;
}
