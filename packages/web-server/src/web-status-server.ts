/**
 * The status web server (issue 13; the API is docs/web-api.md, its one source of truth): node:http on a loopback
 * address by default, the built front end, the JSON API over the live records, the SSE stream of state changes,
 * and the record actions run through the daemon's MI so they behave and log exactly as the MI commands do.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, type Logger, SILENT_LOGGER, systemClock } from "@uacreg/runtime";
import { type DelayHistogram, EventLoopLag } from "./event-loop-lag.js";
import { EventStream, type EventStreamOptions } from "./event-stream.js";
import { LoginThrottle } from "./login-throttle.js";
import { keyOfRecordId } from "./record-id.js";
import { type RecordDetail, recordItem } from "./record-item.js";
import { parseRecordQuery, queryRecords } from "./record-query.js";
import type { MiDispatcher, RecordHistory, StateChangeSource, WebRecords, WebRecordsSource } from "./record-source.js";
import { serveStatic } from "./static-files.js";
import { statusSummary } from "./status-summary.js";
import { SuccessWindow } from "./success-window.js";
import { crossSiteRefusal, hostRefusal, WebAuth } from "./web-auth.js";
import { WebApiError } from "./web-errors.js";

/** The record actions of `POST /api/records/:id/<action>` and the MI command each runs. */
export const RECORD_ACTIONS: Readonly<Record<string, string>> = {
  enable: "reg_enable",
  disable: "reg_disable",
  "force-register": "reg_force_register",
  reload: "reg_reload",
};

export interface WebStatusServerOptions {
  /** Listening address (default 127.0.0.1) and port (default 0: the OS chooses). */
  host?: string;
  port?: number;
  /** The bearer token; null or absent: no authentication (the daemon allows that on loopback only). */
  token?: string | null;
  /** The built front end's directory (or a function finding it per request); absent: a 503 "not built" page. */
  staticRoot?: string | (() => string | undefined);
  /** The live records; undefined while they are not loaded (`ready: false`, the record routes answer 503). */
  records: WebRecordsSource;
  /** The engine's `onStateChange`. */
  stateChanges?: StateChangeSource;
  /** The records' bounded history (the status-report store); absent: `since`, `lastReply` and `history` empty. */
  history?: RecordHistory | (() => RecordHistory | undefined);
  /** Runs the record actions (`MiRegistry`). */
  mi: MiDispatcher;
  clock?: Clock;
  /** The cluster node's name, null when not clustered. */
  node?: string | null;
  logger?: Logger;
  /** The event-loop delay source (default: a reader of the process's one sampler, `processEventLoopDelay()`). */
  lagHistogram?: DelayHistogram;
  /** Tuning of the SSE stream (tests). */
  events?: Omit<EventStreamOptions, "clock" | "summary">;
  /** Largest request body accepted (default 16 KiB). */
  maxBodyBytes?: number;
  /** Open connections at most (default 256); more are closed as they arrive. */
  maxConnections?: number;
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
} as const;

export class WebStatusServer {
  readonly #o: WebStatusServerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #auth: WebAuth;
  readonly #throttle: LoginThrottle;
  readonly #success: SuccessWindow;
  readonly #lag: EventLoopLag;
  readonly #stream: EventStream;
  readonly #server: Server;
  #unsubscribe: (() => void) | undefined;

  constructor(options: WebStatusServerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#auth = new WebAuth(options.token);
    this.#throttle = new LoginThrottle(this.#clock);
    this.#success = new SuccessWindow(this.#clock);
    this.#lag = new EventLoopLag(this.#clock, options.lagHistogram ? { histogram: options.lagHistogram } : {});
    this.#stream = new EventStream({ ...options.events, clock: this.#clock, summary: () => this.summary() });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => this.#fail(res, e));
    });
    this.#server.maxConnections = options.maxConnections ?? 256;
    // Deadlines for receiving a request only. No socket idle timeout (`server.timeout` stays Node's 0): an event stream
    // is long-lived, its liveness is the stream's own (a keep-alive comment every 15 s, the slow-client rule on the
    // clock: event-stream.ts).
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  /** The SSE stream (its counters and sequence number). */
  get events(): EventStream {
    return this.#stream;
  }

  /** Starts listening and following the state changes. */
  async listen(): Promise<{ address: string; port: number }> {
    this.#lag.start();
    this.#unsubscribe = this.#o.stateChanges?.((e) => {
      this.#success.observe(e.to);
      this.#stream.publish(e);
    });
    const server = this.#server;
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", reject);
      server.listen(this.#o.port ?? 0, this.#o.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolveListen();
      });
    });
    const a = server.address() as AddressInfo;
    return { address: a.address, port: a.port };
  }

  /** Closes the streams, the connections and the listener. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#lag.stop();
    this.#stream.close();
    const server = this.#server;
    if (!server.listening) return;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }

  /** `GET /api/summary`. */
  summary() {
    return statusSummary({
      clock: this.#clock,
      records: this.#o.records,
      success: () => this.#success.figures(),
      lag: () => this.#lag.figures(),
      node: this.#o.node ?? null,
    });
  }

  #history(): RecordHistory | undefined {
    const h = this.#o.history;
    return typeof h === "function" ? h() : h;
  }

  #root(): string | undefined {
    const r = this.#o.staticRoot;
    return typeof r === "function" ? r() : r;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      throw new WebApiError(400, "bad_request", "bad request target");
    }
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (path !== "/events" && path !== "/api" && !path.startsWith("/api/")) {
      if (method !== "GET" && method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        throw new WebApiError(405, "method_not_allowed", `${method} is not allowed here`);
      }
      return serveStatic(req, res, path, this.#root());
    }
    if (!this.#auth.enabled) {
      const refusal = hostRefusal(req);
      if (refusal !== undefined) throw new WebApiError(403, "forbidden", refusal);
    }
    if (this.#auth.enabled) {
      const wait = this.#throttle.blockedFor(req.socket.remoteAddress ?? "");
      if (wait > 0) {
        res.setHeader("retry-after", String(Math.ceil(wait / 1000)));
        throw new WebApiError(429, "too_many_requests", "too many wrong tokens from this address; try again later");
      }
    }
    if (path === "/api/login") return this.#login(req, res, method);
    if (path === "/api/logout") {
      this.#allow(method, "POST", res);
      this.#checkCrossSite(req);
      res.setHeader("set-cookie", WebAuth.clearCookie());
      return json(res, 200, { ok: true, message: "logged out" });
    }
    const auth = this.#auth.check(req);
    if (auth !== "ok") {
      if (auth === "wrong") this.#throttle.failed(req.socket.remoteAddress ?? "");
      throw new WebApiError(401, "unauthorized", "a valid bearer token or session cookie is required");
    }
    if (path === "/events") {
      this.#allow(method, "GET", res);
      if (method === "HEAD") {
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" }).end();
        return;
      }
      const last = req.headers["last-event-id"];
      this.#stream.attach(res, typeof last === "string" ? last.trim() : undefined);
      return;
    }
    if (path === "/api/summary") {
      this.#allow(method, "GET", res);
      return json(res, 200, this.summary());
    }
    if (path === "/api/reload") {
      this.#allow(method, "POST", res);
      this.#checkCrossSite(req);
      await readBody(req, this.#o.maxBodyBytes);
      this.#ready();
      return this.#action(req, res, "reg_reload", undefined, "reload");
    }
    if (path === "/api/records") {
      this.#allow(method, "GET", res);
      const query = parseRecordQuery(url.searchParams);
      return json(res, 200, await queryRecords(this.#ready().snapshot(), query, this.#history()));
    }
    const m = /^\/api\/records\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const key = keyOfRecordId(m[1] as string);
      const action = m[2];
      if (action === undefined) {
        this.#allow(method, "GET", res);
        if (!key) throw notFound();
        const view = this.#ready().get(key);
        if (!view) throw notFound();
        const history = this.#history();
        const detail: RecordDetail = { ...recordItem(view, history), history: [...(history?.history(key) ?? [])] };
        return json(res, 200, detail);
      }
      const command = RECORD_ACTIONS[action];
      if (command === undefined) throw new WebApiError(404, "not_found", `no action ${JSON.stringify(action)}`);
      this.#allow(method, "POST", res);
      this.#checkCrossSite(req);
      await readBody(req, this.#o.maxBodyBytes);
      if (!key) throw notFound();
      const records = this.#ready();
      // A reload reads the database, which may hold a row the table has not loaded yet: only the MI decides.
      if (command !== "reg_reload" && !records.get(key)) throw notFound();
      const params = { aor: key.aor, contact: key.contact, registrar: key.registrar };
      return this.#action(req, res, command, params, action);
    }
    throw new WebApiError(404, "not_found", `no route ${path}`);
  }

  async #login(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    this.#allow(method, "POST", res);
    this.#checkCrossSite(req);
    const body = await readBody(req, this.#o.maxBodyBytes);
    let token: unknown;
    try {
      token = (JSON.parse(body) as { token?: unknown } | null)?.token;
    } catch {
      throw WebApiError.badParameter("token", 'the body must be JSON {"token": "..."}');
    }
    if (!this.#auth.enabled) return json(res, 200, { ok: true, message: "no token is configured" });
    if (typeof token !== "string") throw WebApiError.badParameter("token", "must be a string");
    if (!this.#auth.tokenMatches(token)) {
      this.#throttle.failed(req.socket.remoteAddress ?? "");
      this.#log.warn({ remote: req.socket.remoteAddress }, "web login refused: wrong token");
      throw new WebApiError(401, "unauthorized", "wrong token");
    }
    res.setHeader("set-cookie", this.#auth.sessionCookie());
    return json(res, 200, { ok: true, message: "logged in" });
  }

  async #action(
    req: IncomingMessage,
    res: ServerResponse,
    command: string,
    params: Record<string, string> | undefined,
    action: string,
  ): Promise<void> {
    try {
      const result = await this.#o.mi.call(command, params);
      this.#log.info({ action, command, ...params, remote: req.socket.remoteAddress, outcome: "ok" }, "web action");
      return json(res, 200, { ok: true, message: typeof result === "string" ? result : JSON.stringify(result) });
    } catch (e) {
      const code = typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : -32603;
      const message = e instanceof Error ? e.message : String(e);
      const remote = req.socket.remoteAddress;
      this.#log.info({ action, command, ...params, remote, outcome: "error", code, message }, "web action");
      if (code === 404) throw new WebApiError(404, "not_found", message);
      if (code === 503) throw new WebApiError(503, "not_ready", message);
      if (code >= 400 && code < 600) throw new WebApiError(code, "mi_error", message);
      throw new WebApiError(500, "mi_error", message);
    }
  }

  #ready(): WebRecords {
    const records = this.#o.records();
    if (!records) throw new WebApiError(503, "not_ready", "registrant records not loaded yet (database unreachable)");
    return records;
  }

  #allow(method: string, allowed: "GET" | "POST", res: ServerResponse): void {
    if (method === allowed || (allowed === "GET" && method === "HEAD")) return;
    res.setHeader("allow", allowed === "GET" ? "GET, HEAD" : "POST");
    throw new WebApiError(405, "method_not_allowed", `${method} is not allowed here; use ${allowed}`);
  }

  #checkCrossSite(req: IncomingMessage): void {
    const refusal = crossSiteRefusal(req);
    if (refusal !== undefined) throw new WebApiError(403, "forbidden", refusal);
  }

  #fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof WebApiError) {
      json(res, e.status, e.body());
      return;
    }
    this.#log.error({ err: e instanceof Error ? e.message : String(e) }, "web request failed");
    json(res, 500, new WebApiError(500, "mi_error", "internal error").body());
  }
}

function notFound(): WebApiError {
  return new WebApiError(404, "not_found", "no such record");
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  res.writeHead(status, { ...JSON_HEADERS, "content-length": body.length });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** The request body as text, at most `max` bytes (413 beyond). */
async function readBody(req: IncomingMessage, max = 16 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new WebApiError(413, "payload_too_large", `the body is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
