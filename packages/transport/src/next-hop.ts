import { isSipUri, parseUri } from "@uacreg/sip";
import { TransportError } from "./transport-error.js";

/** The parts of a next-hop URI that RFC 3263 looks at. */
export interface NextHop {
  readonly scheme: "sip" | "sips";
  /** Host name (lower case) or IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port?: number;
  /** The `transport=` URI parameter, if any. */
  readonly transport?: string;
}

/**
 * Reads scheme, host, port and `transport=` of a SIP/SIPS URI (RFC 3261 §19.1.1, parsed by @uacreg/sip; a URI in
 * `<…>` is accepted). Anything else is rejected with a {@link TransportError} (code `no-target`).
 */
export function parseNextHop(uri: string): NextHop {
  const text = uri.trim().replace(/^<(.*)>$/, "$1");
  let parsed: ReturnType<typeof parseUri>;
  try {
    parsed = parseUri(text);
  } catch (err) {
    throw new TransportError(`next hop "${uri}" is not a valid SIP URI: ${(err as Error).message}`, "no-target", {
      cause: err,
    });
  }
  if (!isSipUri(parsed)) throw new TransportError(`next hop "${uri}" is not a sip: or sips: URI`, "no-target");
  const host = parsed.host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "") throw new TransportError(`next hop "${uri}" has no host`, "no-target");
  if (parsed.port === 0) throw new TransportError(`next hop "${uri}" has a bad port`, "no-target");
  const transport = parsed.params.get("transport") ?? undefined;
  const hop: NextHop = { scheme: parsed.scheme, host, port: parsed.port, transport };
  return hop;
}
