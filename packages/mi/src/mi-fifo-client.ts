/**
 * The MI over the FIFO, the way opensips-cli speaks it (docs/mi-protocol.md §4, §6): make a reply FIFO (mode 0666) in
 * the server's `reply_dir`, write `:<name>:<json>` to the server FIFO in one go, open the reply FIFO for reading
 * (which waits until the server opens it), read the reply up to EOF, remove the reply FIFO. The framing, the reply
 * name rules and the reply path are the server's own (fifo-framer.ts).
 *
 * Unlike opensips-cli it has a timeout: a server that never answers (a dropped request) is unblocked by opening the
 * reply FIFO for writing ourselves, which ends the pending open with an empty read.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { close, closeSync, constants, open, openSync, promises as fsp } from "node:fs";
import { Socket } from "node:net";
import { promisify } from "node:util";
import { type Clock, delay, systemClock } from "@uacreg/runtime";
import { fifoReplyPath, frameFifoRequest, isForbiddenReplyName } from "./fifo-framer.js";
import { buildMiRequest, type MiCallParams, type MiRequestId, readMiReply } from "./mi-call.js";
import type { MiClient, MiClientOptions } from "./mi-client.js";
import {
  MiClientError,
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiReplyFifoTimeoutError,
} from "./mi-client-error.js";
import { sequentialIds } from "./mi-request-ids.js";

const execFileAsync = promisify(execFile);
// Raw descriptors, not FileHandles: a socket takes the descriptor over.
const openFd = promisify(open) as (path: string, flags: number) => Promise<number>;
const closeFd = (fd: number) => new Promise<void>((resolve) => close(fd, () => resolve()));

/** How often a pending open of the reply FIFO is poked after the timeout, until it gives up. */
const RELEASE_POLL_MS = 10;

/** Options of {@link MiFifoClient}. */
export interface MiFifoClientOptions extends MiClientOptions {
  /** The server FIFO (uacregd `mi.fifo.path`, OpenSIPS `fifo_name`). */
  readonly path: string;
  /**
   * The server's `reply_dir` (default `/tmp/`): the reply FIFO is made there. A directory given without its trailing
   * `/` is taken as the directory.
   */
  readonly replyDir?: string;
}

/** An MI client over the FIFO. Every request uses its own reply FIFO, so calls may overlap. */
export class MiFifoClient implements MiClient {
  readonly path: string;
  readonly replyDir: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #nextId: () => MiRequestId;

  constructor(options: MiFifoClientOptions) {
    this.path = options.path;
    const dir = options.replyDir ?? "/tmp/";
    this.replyDir = dir.endsWith("/") ? dir : `${dir}/`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#nextId = options.requestId ?? sequentialIds();
  }

  async call(method: string, params?: MiCallParams): Promise<unknown> {
    const text = await this.exchange(buildMiRequest(this.#nextId(), method, params));
    if (text === "") throw new MiEmptyReplyError(`the MI FIFO ${this.path} sent an empty reply`);
    return readMiReply(text);
  }

  /** Resolves with the reply line ("" when the server sent an empty reply). */
  async exchange(body: string): Promise<string> {
    const st = await fsp.stat(this.path).catch(() => undefined);
    if (!st) throw new MiConnectionRefusedError(`MI FIFO ${this.path} does not exist`);
    if (!st.isFIFO()) throw new MiClientError(`${this.path} is not a FIFO`);
    const name = this.#replyName();
    const replyPath = fifoReplyPath(this.replyDir, name);
    try {
      await execFileAsync("mkfifo", ["-m", "666", "--", replyPath]);
    } catch (err) {
      throw new MiClientError(`cannot create the reply FIFO ${replyPath}: ${(err as Error).message}`);
    }
    try {
      await fsp.chmod(replyPath, 0o666);
      // Start the (blocking) open of the reply FIFO before sending, so the server finds a reader on its first try
      // instead of waiting out its ENXIO retry.
      const opening = openFd(replyPath, constants.O_RDONLY);
      try {
        await this.#writeRequest(frameFifoRequest(name, body));
      } catch (err) {
        await this.#releasePendingOpen(replyPath, opening);
        await opening.then(closeFd, () => undefined);
        throw err;
      }
      const text = await this.#readReply(replyPath, opening);
      const nl = text.indexOf("\n");
      return nl === -1 ? text : text.slice(0, nl);
    } finally {
      await fsp.unlink(replyPath).catch(() => undefined);
    }
  }

  /** A fresh name the server accepts (no `.`, `/` or `\`). */
  #replyName(): string {
    const name = `uacreg_reply_${process.pid}_${this.#clock.wallNow()}_${randomBytes(4).toString("hex")}`;
    if (isForbiddenReplyName(name)) throw new MiClientError(`reply FIFO name ${name} would be refused`);
    return name;
  }

  /** Writes the request to the server FIFO without blocking; ENXIO means nobody reads it. */
  async #writeRequest(bytes: string): Promise<void> {
    const fifo = this.path;
    let fd: number;
    try {
      fd = await openFd(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new MiConnectionRefusedError(`MI FIFO ${fifo} does not exist`);
      if (code === "ENXIO") throw new MiConnectionRefusedError(`nobody reads the MI FIFO ${fifo}`);
      if (code === "EACCES") {
        throw new MiClientError(
          `permission denied on ${fifo} (a FIFO of another user in a sticky directory such as /tmp cannot be opened when fs.protected_fifos is set)`,
        );
      }
      throw new MiClientError(`cannot open the MI FIFO ${fifo}: ${(err as Error).message}`);
    }
    const socket = new Socket({ fd, readable: false, writable: true });
    await new Promise<void>((resolve, reject) => {
      socket.on("error", (err) => reject(new MiClientError(`writing to ${fifo}: ${err.message}`)));
      socket.end(bytes, () => resolve());
    });
    socket.destroy();
  }

  /** Waits for the pending open of the reply FIFO and reads to EOF, within the timeout. */
  async #readReply(path: string, opening: Promise<number>): Promise<string> {
    const timeoutMs = this.#timeoutMs;
    let timedOut = false;
    const timer = this.#clock.setTimer(timeoutMs, () => {
      timedOut = true;
      void this.#releasePendingOpen(path, opening);
    });
    try {
      const fd = await opening;
      const socket = new Socket({ fd, readable: true, writable: false });
      const text = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const guard = this.#clock.setTimer(Math.max(1, timeoutMs), () => socket.destroy(new Error("timeout")));
        socket.on("data", (c: Buffer) => chunks.push(c));
        socket.on("end", () => {
          guard.cancel();
          resolve(Buffer.concat(chunks).toString("utf8"));
        });
        socket.on("error", (err) => {
          guard.cancel();
          reject(err);
        });
      });
      socket.destroy();
      if (timedOut && text === "") throw new MiReplyFifoTimeoutError(path, this.replyDir, timeoutMs);
      return text;
    } catch (err) {
      if (err instanceof MiClientError) throw err;
      throw new MiClientError(`reading the reply FIFO ${path}: ${(err as Error).message}`);
    } finally {
      timer.cancel();
    }
  }

  /**
   * Releases a blocking open(O_RDONLY) of `path` pending in the thread pool by opening the FIFO for writing for a
   * moment; repeated until `opened` settles, since the pending open may not have reached the kernel yet.
   */
  async #releasePendingOpen(path: string, opened: Promise<unknown>): Promise<void> {
    let settled = false;
    const done = () => {
      settled = true;
    };
    void opened.then(done, done);
    while (!settled) {
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: the reader is not there yet
      }
      await delay(this.#clock, RELEASE_POLL_MS);
    }
  }
}
