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
 * Starts the page when `web` is configured; undefined when it is off. An address written in the file that cannot be
 * used stops start-up; the implicit default taken by another process is a warning and the page listens on a port the
 * OS picks (logged with its URL).
 */
export async function startWebStatus(config: UacregConfig, deps: WebStatusDeps): Promise<WebStatus | undefined> {
  const web = config.web;
  if (web === null) return undefined;
  const log = deps.log.child({ component: "web" });
  const listeners = new Set<(e: StateChange) => void>();
  const open = async (host: string, port: number): Promise<[WebStatusServer, { address: string; port: number }]> => {
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
    try {
      return [server, await server.listen()];
    } catch (e) {
      await server.close();
      throw e;
    }
  };
  const { host, port } = parseHostPort(web.listen);
  let server: WebStatusServer;
  let address: { address: string; port: number };
  try {
    [server, address] = await open(host, port);
  } catch (e) {
    if (web.explicit || (e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    // The implicit default taken (another uacregd on this host): the page on a port the OS picks, said loudly.
    [server, address] = await open(host, 0);
    log.warn(
      { listen: web.listen, port: address.port },
      "the status page's default address is in use: listening on another port (set web.listen to choose)",
    );
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
