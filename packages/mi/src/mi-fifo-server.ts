/**
 * The FIFO front end, behaving like OpenSIPS mi_fifo (docs/mi-protocol.md §4), minus its crashes.
 *
 * Node has no mkfifo(3): the FIFO is made with the `mkfifo` program. It is read through a non-blocking descriptor
 * wrapped in a `net.Socket` (libuv treats a FIFO as a pipe), so reading never blocks the event loop; a dummy writer
 * descriptor is held open so the reader never sees EOF when a client closes its end.
 */
import { execFile } from "node:child_process";
import { close, constants, fstat, promises as fsp, open, type Stats } from "node:fs";
import { Socket } from "node:net";
import { promisify } from "node:util";
import { type Clock, delay, type Logger, SILENT_LOGGER, systemClock, type TimerHandle } from "@uacreg/runtime";
import { FifoFramer, type FifoRequest, fifoReplyPath } from "./fifo-framer.js";
import { FifoOwnerLock } from "./fifo-owner-lock.js";
import type { MiRegistry } from "./mi-registry.js";
import { pacedSlices, type ReplyPacer, SHARED_REPLY_PACER } from "./reply-pacer.js";

const execFileAsync = promisify(execFile);
// Raw descriptors, not FileHandles: a socket takes the descriptor over, and a FileHandle would close it again when
// garbage collected.
const openFd = promisify(open) as (path: string, flags: number) => Promise<number>;
const fstatFd = promisify(fstat) as (fd: number) => Promise<Stats>;
const closeFd = (fd: number) => new Promise<void>((resolve) => close(fd, () => resolve()));

/** Options of {@link MiFifoServer}. */
export interface MiFifoServerOptions {
  readonly registry: MiRegistry;
  /** The server FIFO, default `/tmp/uacreg_fifo` (OpenSIPS: `/tmp/opensips_fifo`). */
  readonly path?: string;
  /** Mode of the FIFO, default 0o660 (as mi_fifo's `fifo_mode`). */
  readonly mode?: number;
  /** chown the FIFO to this uid / gid (mi_fifo's `fifo_user` / `fifo_group`); default: leave as created. */
  readonly uid?: number;
  readonly gid?: number;
  /** Prefix of reply paths, default `/tmp/`; the reply path is `replyDir + name` (plain concatenation). */
  readonly replyDir?: string;
  /** Largest request, default 65536 bytes (OpenSIPS: 4096). */
  readonly maxRequestBytes?: number;
  /** How often to check that the FIFO still exists and recreate it, default 30000 ms; 0 disables. */
  readonly checkIntervalMs?: number;
  /** Retries when the reply FIFO has no reader yet (ENXIO), default 4, `replyRetryDelayMs` (80) apart. */
  readonly replyOpenRetries?: number;
  readonly replyRetryDelayMs?: number;
  /** Give up writing a reply the client does not read after this long, default 10000 ms. */
  readonly replyWriteTimeoutMs?: number;
  /**
   * The turns large replies are made in (default {@link SHARED_REPLY_PACER}, shared with the HTTP server): one slice
   * of one of them per event-loop pass.
   */
  readonly pacer?: ReplyPacer;
  /**
   * The clock: the framer's stale-partial rule, the ENXIO retry delay, the reply write timeout and the periodic FIFO
   * check (default {@link systemClock}).
   */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface OpenFifo {
  readonly reader: Socket;
  readonly dummyWriter: number;
  readonly ino: number;
}

export { MiFifoLockedError } from "./fifo-owner-lock.js";

/** Errors of the FIFO front end (creation failures). Client input never produces one. */
export class MiFifoError extends Error {
  override readonly name = "MiFifoError";
}

/** An MI server on a named pipe. `start()` creates it, `stop()` removes it. */
export class MiFifoServer {
  readonly path: string;
  readonly replyDir: string;
  readonly #registry: MiRegistry;
  readonly #mode: number;
  readonly #uid: number | undefined;
  readonly #gid: number | undefined;
  readonly #maxBytes: number;
  readonly #checkMs: number;
  readonly #retries: number;
  readonly #retryDelay: number;
  readonly #writeTimeout: number;
  readonly #clock: Clock;
  readonly #pacer: ReplyPacer;
  readonly #logger: Logger;
  #fifo: OpenFifo | undefined;
  #framer: FifoFramer;
  #checkTimer: TimerHandle | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Replies being written (off the queue); `stop()` waits for them. */
  readonly #writing = new Set<Promise<void>>();
  #stopped = true;
  #ensuring: Promise<boolean> | undefined;
  readonly #lock: FifoOwnerLock;

  constructor(options: MiFifoServerOptions) {
    this.#registry = options.registry;
    this.path = options.path ?? "/tmp/uacreg_fifo";
    this.replyDir = options.replyDir ?? "/tmp/";
    this.#mode = options.mode ?? 0o660;
    this.#uid = options.uid;
    this.#gid = options.gid;
    this.#maxBytes = options.maxRequestBytes ?? 65536;
    this.#checkMs = options.checkIntervalMs ?? 30_000;
    this.#retries = options.replyOpenRetries ?? 4;
    this.#retryDelay = options.replyRetryDelayMs ?? 80;
    this.#writeTimeout = options.replyWriteTimeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#pacer = options.pacer ?? SHARED_REPLY_PACER;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#framer = new FifoFramer({ maxRequestBytes: this.#maxBytes });
    this.#lock = new FifoOwnerLock(this.path);
  }

  /**
   * Takes the owner lock `<path>.lock` (rejecting with {@link MiFifoLockedError}, the path untouched, while another
   * live process holds it), creates the FIFO (removing a stale file first), opens it and starts the periodic check.
   */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    await this.#lock.acquire();
    this.#stopped = false;
    try {
      await this.#create();
    } catch (err) {
      this.#stopped = true;
      await this.#lock.release();
      throw err;
    }
    this.#armCheck();
  }

  /** Arms the next periodic check (one timer at a time, re-armed after each check). */
  #armCheck(): void {
    if (this.#checkMs <= 0 || this.#stopped || this.#checkTimer !== undefined) return;
    this.#checkTimer = this.#clock.setTimer(this.#checkMs, () => {
      this.#checkTimer = undefined;
      this.ensureFifo()
        .catch((err: unknown) => this.#logger.error({ err, path: this.path }, "MI FIFO check failed"))
        .finally(() => this.#armCheck());
    });
  }

  /**
   * Checks that the path is still our FIFO (same inode) and recreates it if not (deleted or replaced). Call it on
   * SIGHUP. Resolves true when it had to recreate. Never rejects: whatever an operator did to the path (a directory
   * there, its parent removed), the failure is one log line and the next check or call tries again, so the daemon
   * and its other front ends keep running (docs/mi-protocol.md §4).
   */
  ensureFifo(): Promise<boolean> {
    // One check at a time: the timer, SIGHUP and a dead descriptor may all ask at once.
    this.#ensuring ??= this.#ensure().finally(() => {
      this.#ensuring = undefined;
    });
    return this.#ensuring;
  }

  async #ensure(): Promise<boolean> {
    if (this.#stopped) return false;
    const st = await fsp.lstat(this.path).catch(() => undefined);
    if (this.#fifo && st?.isFIFO() && st.ino === this.#fifo.ino) return false;
    // Logged once per loss; while recreation keeps failing, each attempt logs only its failure.
    if (this.#fifo) this.#logger.warn({ path: this.path }, "MI FIFO missing or replaced, recreating it");
    await this.#closeFifo();
    try {
      // The lock first: it may have gone with the directory, or another daemon may own the path now (never remove
      // a live FIFO of another process, docs/mi-protocol.md §4).
      await this.#lock.reassert();
      await this.#create();
      return true;
    } catch (err) {
      const retry = this.#checkMs > 0 ? `on the next check (${this.#checkMs} ms) or SIGHUP` : "on the next SIGHUP";
      this.#logger.error(
        { path: this.path, err: err instanceof Error ? err.message : String(err) },
        `MI FIFO cannot be recreated, retrying ${retry}`,
      );
      return false;
    }
  }

  /** Stops reading, waits for requests in progress, and removes the FIFO (if it is still ours). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#checkTimer?.cancel();
    this.#checkTimer = undefined;
    await this.#ensuring?.catch(() => undefined);
    const ino = this.#fifo?.ino;
    await this.#closeFifo();
    await this.#queue;
    await Promise.all([...this.#writing]);
    const st = await fsp.lstat(this.path).catch(() => undefined);
    if (st?.isFIFO() && st.ino === ino) await fsp.unlink(this.path).catch(() => undefined);
    await this.#lock.release();
  }

  async #create(): Promise<void> {
    try {
      await fsp.rm(this.path, { force: true });
      await execFileAsync("mkfifo", ["-m", (this.#mode & 0o7777).toString(8), "--", this.path]);
    } catch (err) {
      throw new MiFifoError(`cannot create the MI FIFO ${this.path}: ${reasonOf(err)}`);
    }
    await fsp.chmod(this.path, this.#mode);
    if (this.#uid !== undefined || this.#gid !== undefined) {
      await fsp.chown(this.path, this.#uid ?? -1, this.#gid ?? -1);
    }
    const fd = await openFd(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    let dummyWriter: number;
    let ino: number;
    try {
      dummyWriter = await openFd(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
      ino = (await fstatFd(fd)).ino;
    } catch (err) {
      await closeFd(fd);
      throw err;
    }
    // The socket owns the read descriptor from here on and closes it on destroy.
    const reader = new Socket({ fd, readable: true, writable: false });
    this.#framer = new FifoFramer({ maxRequestBytes: this.#maxBytes });
    reader.on("data", (chunk: Buffer) => this.#onData(chunk));
    reader.on("error", (err) => this.#logger.error({ err, path: this.path }, "MI FIFO read error"));
    reader.on("close", () => {
      // Not closed by us (stop or recreation): the descriptor died; make a new FIFO rather than go deaf.
      if (this.#fifo?.reader !== reader || this.#stopped) return;
      this.#fifo = undefined;
      void closeFd(dummyWriter);
      this.ensureFifo().catch((err: unknown) => this.#logger.error({ err, path: this.path }, "MI FIFO reopen failed"));
    });
    this.#fifo = { reader, dummyWriter, ino };
    this.#logger.info({ path: this.path }, "MI FIFO ready");
  }

  async #closeFifo(): Promise<void> {
    const fifo = this.#fifo;
    this.#fifo = undefined;
    if (!fifo) return;
    fifo.reader.destroy();
    await closeFd(fifo.dummyWriter);
  }

  #onData(chunk: Buffer): void {
    for (const frame of this.#framer.push(chunk, this.#clock.now())) {
      if (frame.kind === "dropped") {
        this.#logger.debug({ reason: frame.reason, bytes: frame.bytes }, "MI FIFO input dropped");
        continue;
      }
      this.#queue = this.#queue
        .then(() => this.#serve(frame))
        .catch((err: unknown) => {
          this.#logger.error({ err }, "MI FIFO request failed");
        });
    }
  }

  /** Opens the reply FIFO first (as mi_fifo does for synchronous commands), then runs the command and replies. */
  async #serve(request: FifoRequest): Promise<void> {
    if (request.replyName === "") {
      await this.#registry.handleValue(request.value, "fifo");
      return;
    }
    const replyPath = fifoReplyPath(this.replyDir, request.replyName);
    const socket = await this.#openReply(replyPath);
    if (!socket) {
      this.#logger.warn({ replyPath }, "MI FIFO reply pipe unusable, request dropped");
      return;
    }
    const outcome = await this.#registry.handleValueInSlices(request.value, "fifo");
    // Written off the queue: a client slow to read its reply holds up nobody else's.
    const reply = outcome.kind === "reply" ? outcome : { slices: [], lazy: false };
    const writing = this.#writeAndClose(socket, pacedSlices(reply.slices, reply.lazy, this.#pacer));
    this.#writing.add(writing);
    void writing.finally(() => this.#writing.delete(writing));
  }

  /**
   * Opens `path` O_WRONLY|O_NONBLOCK|O_NOFOLLOW, retrying on ENXIO (no reader yet); refuses a symlink, a non-FIFO or a
   * FIFO with more than one hard link (docs/mi-protocol.md §4).
   */
  async #openReply(path: string): Promise<Socket | undefined> {
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = await openFd(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENXIO" && attempt < this.#retries) {
          await delay(this.#clock, this.#retryDelay);
          continue;
        }
        this.#logger.debug({ path, code }, "MI FIFO cannot open the reply pipe");
        return undefined;
      }
      const st = await fstatFd(fd).catch(() => undefined);
      if (!st?.isFIFO() || st.nlink > 1) {
        await closeFd(fd);
        this.#logger.warn({ path }, "MI FIFO reply path is not a private FIFO, refused");
        return undefined;
      }
      return new Socket({ fd, readable: false, writable: true });
    }
  }

  /**
   * Writes the reply slice by slice, waiting for the pipe to drain between slices (each next slice made on the
   * reply's turn, reply-pacer.ts), and closes it. Given up when the pipe has not drained for `replyWriteTimeoutMs`:
   * the timer restarts at every drain, so a large reply the client reads, however slowly, is never cut off.
   */
  async #writeAndClose(socket: Socket, slices: AsyncIterable<string>): Promise<void> {
    let failed = false;
    socket.on("error", (err) => {
      failed = true;
      this.#logger.debug({ err }, "MI FIFO reply write failed");
      socket.destroy();
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    for await (const slice of slices) {
      if (failed || socket.destroyed) break;
      if (!socket.write(slice) && !(await this.#drained(socket))) {
        this.#logger.warn({ timeoutMs: this.#writeTimeout }, "MI FIFO reply not read, given up");
        socket.destroy();
        break;
      }
    }
    if (!socket.destroyed) {
      const timer = this.#clock.setTimer(this.#writeTimeout, () => socket.destroy());
      socket.end();
      await closed;
      timer.cancel();
    }
    await closed;
  }

  /** Resolves true on `drain`, false on close or when `replyWriteTimeoutMs` pass without it. */
  #drained(socket: Socket): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        timer.cancel();
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = this.#clock.setTimer(this.#writeTimeout, () => finish(false));
      socket.on("drain", onDrain);
      socket.on("close", onClose);
    });
  }
}

/** The last line of an error's message: mkfifo's failure carries the command line first and its reason last. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines[lines.length - 1] ?? text;
}
