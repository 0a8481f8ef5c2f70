/**
 * The owner lock of an MI FIFO: `<fifo>.lock` holding the owner's pid, taken by exclusive create before the FIFO is
 * touched, so that a second daemon configured with the same path neither takes the running one's FIFO over nor
 * removes it when it gives up (docs/mi-protocol.md §4). A lock whose pid is no longer alive is stale (the owner was
 * killed) and is taken over.
 */
import { promises as fsp } from "node:fs";

/** The FIFO is owned by another live process: start-up must stop here, with this one line. */
export class MiFifoLockedError extends Error {
  override readonly name = "MiFifoLockedError";
  constructor(
    readonly path: string,
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(`the MI FIFO ${path} is in use by process ${pid} (lock ${lockPath}); stop it or choose another mi.fifo.path`);
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending; EPERM means it exists, not ours). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Lock paths held by servers of this process: a second server in the same process is refused like another one. */
const heldHere = new Set<string>();

/** `<fifo>.lock`, held by this process between {@link FifoOwnerLock.acquire} and {@link FifoOwnerLock.release}. */
export class FifoOwnerLock {
  readonly lockPath: string;
  #held = false;

  constructor(readonly fifoPath: string) {
    this.lockPath = `${fifoPath}.lock`;
  }

  /** Takes the lock, or rejects with {@link MiFifoLockedError} when a live process other than this one holds it. */
  async acquire(): Promise<void> {
    if (this.#held) return;
    if (heldHere.has(this.lockPath)) throw new MiFifoLockedError(this.fifoPath, this.lockPath, process.pid);
    // Two rounds: the second follows the removal of a stale lock; losing that race to another starter is a refusal.
    for (let round = 0; ; round++) {
      try {
        await fsp.writeFile(this.lockPath, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
        this.#take();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const owner = await this.#owner();
      if (owner === process.pid) {
        // Written by this process and held by none of its servers: left over from one that could not remove it.
        this.#take();
        return;
      }
      if (owner !== undefined && (isAlive(owner) || round > 0)) {
        throw new MiFifoLockedError(this.fifoPath, this.lockPath, owner);
      }
      await fsp.rm(this.lockPath, { force: true });
    }
  }

  /**
   * Takes the lock again before the FIFO is recreated: the lock file may have gone with its directory, and another
   * daemon may have taken the path meanwhile. Rejects with {@link MiFifoLockedError} when another live process holds
   * it now (the caller then leaves the path alone).
   */
  async reassert(): Promise<void> {
    this.#held = false;
    heldHere.delete(this.lockPath);
    await this.acquire();
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    heldHere.delete(this.lockPath);
    if ((await this.#owner()) === process.pid) await fsp.rm(this.lockPath, { force: true });
  }

  #take(): void {
    this.#held = true;
    heldHere.add(this.lockPath);
  }

  /** The pid written in the lock file; undefined when it is missing or holds no pid (an unusable, stale lock). */
  async #owner(): Promise<number | undefined> {
    const text = await fsp.readFile(this.lockPath, "utf8").catch(() => "");
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  }
}
