/**
 * The HTTP front end, behaving like OpenSIPS httpd + mi_http (docs/mi-protocol.md §5).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Clock, type Logger, SILENT_LOGGER, systemClock, type TimerHandle } from "@uacreg/runtime";
import type { MiRegistry } from "./mi-registry.js";
import { pacedSlices, type ReplyPacer, SHARED_REPLY_PACER } from "./reply-pacer.js";

/** Options of {@link MiHttpServer}. */
export interface MiHttpServerOptions {
  readonly registry: MiRegistry;
  /** Listening address, default `127.0.0.1` (loopback, as the httpd module). */
  readonly host?: string;
  /** Port, default 8888; 0 lets the OS choose. */
  readonly port?: number;
  /** mi_http `root`, default `mi`: the path must be `/mi` or start with `/mi/`. */
  readonly root?: string;
  /**
   * Largest accepted body in bytes; a larger one gets 400 with an empty body. Default 65536 (OpenSIPS's
   * `receive_buf_size` is 1024, which is too small for a `reg_upsert` with long URIs).
   */
  readonly maxRequestBytes?: number;
  /**
   * A reply the client stops reading is given up (the connection closed) when its socket has not drained for this
   * long, default 10000 ms: one nobody reads does not hold its memory for ever. The timer restarts at every drain.
   */
  readonly writeTimeoutMs?: number;
  /** A request (headers and body) must arrive within this long, default 10000 ms (Node's `requestTimeout`). */
  readonly requestTimeoutMs?: number;
  /**
   * A kept-alive connection with no request in progress is closed after this long, default 5000 ms (Node's own
   * `keepAliveTimeout`, which this replaces: it runs on the clock below). A new connection that sends nothing is
   * bounded by `requestTimeoutMs`.
   */
  readonly idleTimeoutMs?: number;
  /** Open connections at most, default 256; more are closed as they arrive (Node's `maxConnections`). */
  readonly maxConnections?: number;
  /**
   * The turns large replies are made in (default {@link SHARED_REPLY_PACER}, shared with the FIFO server): one slice
   * of one of them per event-loop pass.
   */
  readonly pacer?: ReplyPacer;
  /** The clock of the write and idle timeouts (default {@link systemClock}). */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** Per connection: requests being answered, and the idle timer while there are none. */
interface IdleState {
  open: number;
  timer: TimerHandle | undefined;
}

const UNABLE_TO_PARSE_URL = "<html><body>Unable to parse URL!</body></html>";
const UNSUPPORTED_REQUEST = "<html><body>Unsupported HTTP request!</body></html>";

/** An MI server on HTTP. `listen()` resolves with the bound address; `close()` stops it. */
export class MiHttpServer {
  readonly #registry: MiRegistry;
  readonly #host: string;
  readonly #port: number;
  readonly #root: string;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #writeTimeout: number;
  readonly #idleTimeout: number;
  readonly #idle = new Map<Socket, IdleState>();
  readonly #clock: Clock;
  readonly #pacer: ReplyPacer;

  constructor(options: MiHttpServerOptions) {
    this.#registry = options.registry;
    this.#host = options.host ?? "127.0.0.1";
    this.#port = options.port ?? 8888;
    this.#root = (options.root ?? "mi").replace(/^\/+|\/+$/g, "");
    this.#maxBytes = options.maxRequestBytes ?? 65536;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#writeTimeout = options.writeTimeoutMs ?? 10_000;
    this.#idleTimeout = options.idleTimeoutMs ?? 5_000;
    this.#clock = options.clock ?? systemClock;
    this.#pacer = options.pacer ?? SHARED_REPLY_PACER;
    const requestTimeout = options.requestTimeoutMs ?? 10_000;
    const serverOptions = {
      requestTimeout,
      headersTimeout: requestTimeout,
      // How often Node checks the two timeouts above (its default, 30 s, would let them run 30 s late).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout)),
    };
    this.#server = createServer(serverOptions, (req, res) => {
      this.#requestStarted(req, res);
      this.#onRequest(req, res).catch((err: unknown) => {
        this.#logger.error({ err }, "MI HTTP request failed");
        if (!res.headersSent) send(res, 500, undefined, "");
        else res.destroy();
      });
    });
    this.#server.on("clientError", (_err, socket) => socket.destroy());
    // Idle connections are closed by #idleUntilRequest on the clock, not by Node's keep-alive timer.
    this.#server.keepAliveTimeout = 0;
    this.#server.on("connection", (socket: Socket) => this.#track(socket));
    this.#server.maxConnections = options.maxConnections ?? 256;
    this.#server.on("drop", () => this.#logger.debug({}, "MI HTTP connection refused: too many open"));
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once("error", onError);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off("error", onError);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, or null before `listen()`. */
  address(): AddressInfo | null {
    const a = this.#server.address();
    return a && typeof a === "object" ? a : null;
  }

  /** Stops accepting, closes idle and open connections, resolves when closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /**
   * Idle timeout (`idleTimeoutMs`): a connection is closed once it has had no request in progress for that long. The
   * timer runs while no response is pending (a keep-alive connection between requests) and stops while a request is
   * answered. Before the first request it is not armed: Node's `requestTimeout` bounds a connection that sends nothing.
   */
  #track(socket: Socket): void {
    const idle: IdleState = { open: 0, timer: undefined };
    this.#idle.set(socket, idle);
    socket.once("close", () => {
      idle.timer?.cancel();
      this.#idle.delete(socket);
    });
  }

  #requestStarted(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const idle = this.#idle.get(socket);
    if (!idle) return;
    idle.open++;
    idle.timer?.cancel();
    idle.timer = undefined;
    res.once("close", () => {
      if (--idle.open > 0 || socket.destroyed) return;
      idle.timer = this.#clock.setTimer(this.#idleTimeout, () => {
        this.#logger.debug({ timeoutMs: this.#idleTimeout }, "MI HTTP connection idle, closed");
        socket.destroy();
      });
    });
  }

  #pathMatches(url: string | undefined): boolean {
    const raw = url ?? "";
    const q = raw.search(/[?#]/);
    const path = q === -1 ? raw : raw.slice(0, q);
    const root = `/${this.#root}`;
    return path === root || path.startsWith(`${root}/`);
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#pathMatches(req.url)) return send(res, 400, "text/html", UNABLE_TO_PARSE_URL);
    if (req.method === "GET") return send(res, 405, undefined, "");
    if (req.method !== "POST") return send(res, 406, "text/html", UNSUPPORTED_REQUEST);
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json" && type !== "text/xml") {
      // mi_http answers nothing and drops the connection (docs/mi-protocol.md §5).
      this.#logger.debug({ contentType: req.headers["content-type"] }, "MI HTTP request with an unsupported type");
      req.socket.destroy();
      return;
    }
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > this.#maxBytes) return tooLarge(res);
    const body = await readBody(req, this.#maxBytes);
    if (body === "too-large") return tooLarge(res);
    if (body === "aborted") return;
    if (body.length === 0) return send(res, 400, undefined, "");
    const outcome = await this.#registry.handleBytesInSlices(body, "http");
    if (outcome.kind === "none") return send(res, 202, undefined, "");
    const slices = pacedSlices(outcome.slices, outcome.lazy, this.#pacer);
    const first = await slices.next();
    const second = first.done ? first : await slices.next();
    // One slice: sent whole with its Content-Length, as always. More: streamed (chunked) with backpressure.
    if (second.done) return send(res, 200, "application/json", first.done ? "" : first.value);
    res.writeHead(200, { "Content-Type": "application/json" });
    await this.#stream(res, [first.value, second.value], slices);
  }

  /**
   * Writes the slices one at a time: after each, waits for the socket to drain if its buffer is full (at most
   * `writeTimeoutMs`, then the connection is closed); the next slice is made on the reply's next turn of the
   * pacer, so a 30 MB reply neither blocks other work nor sits whole in memory, and ten of them make one slice
   * per event-loop pass between them.
   */
  async #stream(res: ServerResponse, ready: string[], rest: AsyncGenerator<string>): Promise<void> {
    for (let next = ready.shift(); next !== undefined; ) {
      if (res.destroyed) break;
      if (!res.write(next) && !(await this.#drained(res))) {
        this.#logger.warn({ timeoutMs: this.#writeTimeout }, "MI HTTP reply not read, connection closed");
        res.destroy();
        break;
      }
      next = ready.shift();
      if (next === undefined) {
        const r = await rest.next();
        next = r.done ? undefined : r.value;
      }
    }
    await rest.return(undefined);
    if (!res.destroyed) res.end();
  }

  /** Resolves true on `drain`, false on close or when `writeTimeoutMs` pass without it. */
  #drained(res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        timer.cancel();
        res.off("drain", onDrain);
        res.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = this.#clock.setTimer(this.#writeTimeout, () => finish(false));
      res.on("drain", onDrain);
      res.on("close", onClose);
    });
  }
}

function send(res: ServerResponse, status: number, type: string | undefined, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  const headers: Record<string, string | number> = { "Content-Length": bytes.length };
  if (type) headers["Content-Type"] = type;
  res.writeHead(status, headers);
  res.end(bytes);
}

function tooLarge(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  send(res, 400, undefined, "");
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on("error", () => {
      if (!done) {
        done = true;
        resolve("aborted");
      }
    });
    req.on("close", () => {
      if (!done) {
        done = true;
        resolve("aborted");
      }
    });
  });
}
