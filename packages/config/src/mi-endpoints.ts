/**
 * Where a client on this machine reaches the daemon's MI, from the same configuration the daemon listens on
 * (`uacreg --config` finds the MI of the `uacregd` that reads that file).
 */
import type { UacregConfig } from "./config-schema.js";
import { dialableHostPort } from "./host-port.js";

/** `http://<listen>/<root>` for `mi.http` (a wildcard address dialled on loopback); undefined when mi_http is off. */
export function miHttpUrl(config: Pick<UacregConfig, "mi">): string | undefined {
  const http = config.mi.http;
  return http === null ? undefined : `http://${dialableHostPort(http.listen)}/${http.root}`;
}
