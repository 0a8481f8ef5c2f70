/**
 * The FIFO side of `uacreg mi`, the way opensips-cli does it (mi-protocol.md §6): make a reply FIFO in the reply
 * directory (mode 0666), write `:<name>:<json>` to the server FIFO in one go, open the reply FIFO for reading (which
 * waits for the server to open it), read the one-line reply up to EOF, remove the reply FIFO.
 *
 * Unlike opensips-cli it has a timeout: a server that never answers (a dropped request) is unblocked by opening the
 * reply FIFO for writing ourselves, which ends the pending open with an empty read.
 */
import { execFile } from "node:child_process";
import { close, closeSync, constants, open, openSync, promises as fsp } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { MiTransportError } from "./mi-client-error.js";

const execFileAsync = promisify(execFile);
const openFd = promisify(open) as (path: string, flags: number) => Promise<number>;

/** Options of {@link fifoMiRequest}. */
export interface FifoCallOptions {
  /** The server FIFO (uacregd `mi.fifo.path`). */
  readonly fifo: string;
  /** Where the reply FIFO is made: must be the server's `reply_dir`. */
  readonly replyDir: string;
  readonly timeoutMs: number;
}

function replyName(): string {
  // No '.', '/' or '\': the server refuses those names.
  return `uacreg_reply_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
}

/** Writes `bytes` to the server FIFO without blocking; ENXIO means nobody reads it. */
async function writeRequest(fifo: string, bytes: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFd(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new MiTransportError(`MI FIFO ${fifo} does not exist. Is uacregd running?`);
    if (code === "ENXIO") throw new MiTransportError(`nobody reads the MI FIFO ${fifo}. Is uacregd running?`);
    if (code === "EACCES") {
      throw new MiTransportError(
        `permission denied on ${fifo} (a FIFO of another user in a sticky directory such as /tmp cannot be opened when fs.protected_fifos is set)`,
      );
    }
    throw new MiTransportError(`cannot open the MI FIFO ${fifo}: ${(err as Error).message}`);
  }
  const socket = new Socket({ fd, readable: false, writable: true });
  await new Promise<void>((resolve, reject) => {
    socket.on("error", (err) => reject(new MiTransportError(`writing to ${fifo}: ${err.message}`)));
    socket.end(bytes, () => resolve());
  });
  socket.destroy();
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Releases a blocking open(O_RDONLY) of `path` pending in the thread pool by opening the FIFO for writing for a
 * moment; repeated until `opened` settles, since the pending open may not have reached the kernel yet.
 */
async function releasePendingOpen(path: string, opened: Promise<unknown>): Promise<void> {
  let settled = false;
  void opened.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: the reader is not there yet
    }
    await sleep(10);
  }
}

/** Waits for the pending open of the reply FIFO and reads to EOF, within `timeoutMs`. */
async function readReply(path: string, opening: Promise<number>, timeoutMs: number): Promise<string> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void releasePendingOpen(path, opening);
  }, timeoutMs);
  try {
    const fd = await opening;
    const socket = new Socket({ fd, readable: true, writable: false });
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const guard = setTimeout(() => socket.destroy(new Error("timeout")), Math.max(1, timeoutMs));
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("end", () => {
        clearTimeout(guard);
        resolve(Buffer.concat(chunks).toString("utf8"));
      });
      socket.on("error", (err) => {
        clearTimeout(guard);
        reject(err);
      });
    });
    socket.destroy();
    if (timedOut && text === "") throw new MiTransportError(`no reply on ${path} within ${timeoutMs} ms`);
    return text;
  } catch (err) {
    if (err instanceof MiTransportError) throw err;
    throw new MiTransportError(`reading the reply FIFO ${path}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one request over the FIFO; resolves with the reply line ("" when the server sent an empty reply). */
export async function fifoMiRequest(body: string, options: FifoCallOptions): Promise<string> {
  const st = await fsp.stat(options.fifo).catch(() => undefined);
  if (!st) throw new MiTransportError(`MI FIFO ${options.fifo} does not exist. Is uacregd running?`);
  if (!st.isFIFO()) throw new MiTransportError(`${options.fifo} is not a FIFO`);
  const name = replyName();
  const replyPath = join(options.replyDir, name);
  try {
    await execFileAsync("mkfifo", ["-m", "666", "--", replyPath]);
  } catch (err) {
    throw new MiTransportError(`cannot create the reply FIFO ${replyPath}: ${(err as Error).message}`);
  }
  try {
    await fsp.chmod(replyPath, 0o666);
    // Start the (blocking) open of the reply FIFO before sending, so the server finds a reader on its first try
    // instead of waiting out its 80 ms ENXIO retry.
    const opening = openFd(replyPath, constants.O_RDONLY);
    try {
      await writeRequest(options.fifo, `:${name}:${body}`);
    } catch (err) {
      await releasePendingOpen(replyPath, opening);
      await opening.then(
        (fd) => new Promise<void>((r) => close(fd, () => r())),
        () => undefined,
      );
      throw err;
    }
    const text = await readReply(replyPath, opening, options.timeoutMs);
    const nl = text.indexOf("\n");
    return nl === -1 ? text : text.slice(0, nl);
  } finally {
    await fsp.unlink(replyPath).catch(() => undefined);
  }
}
