/**
 * The status page of the daemon (issue 13; docs/web-api.md): @uacreg/web-server on `web.listen`, serving the built
 * front end of @uacreg/web, reading the engine's records, following its state changes, and running the record
 * actions through the daemon's MI registry (so they behave and log as the MI commands do).
 */
import { parseHostPort, type UacregConfig } from "@uacreg/config";
import type { RegistrantEngine } from "@uacreg/engine";
import type { MiRegistry } from "@uacreg/mi";
import { webRoot } from "@uacreg/web";
import { type RecordHistory, type StateChange, WebStatusServer } from "@uacreg/web-server";
import type { Logger } from "./logger.js";

/** The running page: its address, and the hook the daemon calls once the engine exists. */
export interface WebStatus {
  readonly address: { address: string; port: number };
  /** `http://host:port/` as a browser on this machine opens it. */
  readonly url: string;
  /** Follows the engine's state changes (called once the engine is created, before it loads the records). */
  follow(engine: RegistrantEngine): void;
  close(): Promise<void>;
}

export interface WebStatusDeps {
  registry: MiRegistry;
  /** The engine once its records are loaded (the API answers 503 before). */
  records: () => RegistrantEngine | undefined;
  /** The records' bounded history (the status-report store), when the daemon keeps one. */
  history?: () => RecordHistory | undefined;
  log: Logger;
}

/**
 * Starts the page when `web` is configured; undefined when it is off, or when the implicit default address is taken
 * by another process (a warning; an address written in the file that cannot be used stops start-up).
 */
export async function startWebStatus(config: UacregConfig, deps: WebStatusDeps): Promise<WebStatus | undefined> {
  const web = config.web;
  if (web === null) return undefined;
  const log = deps.log.child({ component: "web" });
  const listeners = new Set<(e: StateChange) => void>();
  const { host, port } = parseHostPort(web.listen);
  const server = new WebStatusServer({
    host,
    port,
    token: web.token,
    staticRoot: webRoot(),
    records: deps.records,
    stateChanges: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...(deps.history ? { history: deps.history } : {}),
    mi: deps.registry,
    node: config.cluster.backend === "none" ? null : config.cluster.node_name,
    logger: log,
  });
  let address: { address: string; port: number };
  try {
    address = await server.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (web.explicit || code !== "EADDRINUSE") throw e;
    log.warn({ listen: web.listen }, "status page not started: its default address is in use (set web.listen)");
    await server.close();
    return undefined;
  }
  const shown = address.address.includes(":") ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/`;
  log.info({ url, token: web.token === null ? "off" : "on" }, "status page listening");
  return {
    address,
    url,
    follow(engine) {
      engine.onStateChange((e) => {
        for (const l of listeners) l(e);
      });
    },
    close: () => server.close(),
  };
}
