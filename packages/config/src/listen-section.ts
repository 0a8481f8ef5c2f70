/**
 * `listen` and `tls`: the SIP sockets in OpenSIPS `listen=` syntax `proto:host:port` (docs/opensips-behaviour.md §1),
 * checked by the transport's own socket-spec parser, and the certificate of each TLS socket.
 */
import { parseSocketSpec, SocketSpecError } from "@uacreg/transport";
import { ConfigError } from "./config-error.js";
import type { TlsSocketConfig } from "./config-schema.js";
import { DEFAULT_LISTEN } from "./config-defaults.js";
import {
  isMapping,
  readBoolean,
  readSection,
  readString,
  refuseUnknownKeys,
  type YamlMapping,
} from "./yaml-mapping.js";

/**
 * Checks one listening socket with @uacreg/transport's `parseSocketSpec` (a literal IPv4 or [IPv6] address: a
 * listening socket is bound, never looked up). The config asks for the port to be written out, so that the socket
 * a reader sees in the file is the one that is bound.
 */
export function checkSocketSpec(spec: unknown, key: string): string {
  if (typeof spec !== "string") throw new ConfigError(key, spec, "must be a string proto:host:port");
  const usage = "must be proto:IP:port with proto udp, tcp or tls and a literal IPv4 or [IPv6] address";
  try {
    parseSocketSpec(spec);
  } catch (e) {
    if (!(e instanceof SocketSpecError)) throw e;
    const prefix = `invalid socket "${e.spec}": `;
    throw new ConfigError(
      key,
      spec,
      `${usage} (${e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message})`,
    );
  }
  if (!/:\d+$/.test(spec.trim())) throw new ConfigError(key, spec, `${usage} (the port is missing)`);
  return spec.trim();
}

/** `listen` (one socket or a list), `tls` (per TLS socket: cert, key, ca, verify); a TLS socket needs cert and key. */
export function readSockets(root: YamlMapping): { listen: string[]; tls: Record<string, TlsSocketConfig> } {
  let listen = [...DEFAULT_LISTEN];
  if (root.listen !== undefined) {
    const l = typeof root.listen === "string" ? [root.listen] : root.listen;
    if (!Array.isArray(l) || l.length === 0) throw new ConfigError("listen", root.listen, "must be a non-empty list");
    listen = l.map((s, i) => checkSocketSpec(s, `listen[${i}]`));
  }

  const tls: Record<string, TlsSocketConfig> = {};
  const tlsSec = readSection(root, "tls");
  if (tlsSec) {
    for (const [spec, v] of Object.entries(tlsSec)) {
      checkSocketSpec(spec, `tls.${spec}`);
      if (!isMapping(v)) throw new ConfigError(`tls.${spec}`, v, "must be a mapping of cert, key, ca, verify");
      refuseUnknownKeys(v, ["cert", "key", "ca", "verify"], `tls.${spec}.`);
      const entry: TlsSocketConfig = { verify: readBoolean(v, "verify", `tls.${spec}.`, true) };
      for (const f of ["cert", "key", "ca"] as const) {
        if (v[f] !== undefined) entry[f] = readString(v, f, `tls.${spec}.`, "");
      }
      tls[spec] = entry;
    }
  }

  const tlsByCanonical = new Map(Object.entries(tls).map(([spec, t]) => [parseSocketSpec(spec).canonical, t]));
  for (const [i, spec] of listen.entries()) {
    const parsed = parseSocketSpec(spec);
    if (parsed.proto !== "tls") continue;
    const t = tlsByCanonical.get(parsed.canonical);
    if (!t?.cert || !t.key) {
      throw new ConfigError(`listen[${i}]`, spec, `a TLS socket needs tls."${spec}".cert and tls."${spec}".key`);
    }
  }
  return { listen, tls };
}
