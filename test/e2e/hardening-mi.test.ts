/**
 * The MI under an operator's bad day (issue "Hardening", items 8, 11, 13): whatever happens to the FIFO path, the
 * daemon keeps running and answers MI over HTTP; a second daemon does not take the FIFO of a running one.
 */
import { promises as fsp } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startUacregd, stopAllUacregd, type Uacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
});

/** Polls `pred` every 50 ms until it holds; fails with `what` after `timeoutMs`. */
async function until(pred: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isFifo = async (d: Uacregd) => (await fsp.lstat(d.fifoPath).catch(() => undefined))?.isFIFO() === true;
const alive = (d: Uacregd) => d.process.exitCode === null && d.process.signalCode === null;

describe("the MI FIFO path under an operator's hands", () => {
  it("a directory at the FIFO path and a SIGHUP: the daemon lives, answers over HTTP, and makes the FIFO again once the directory is gone", async () => {
    const d = await startUacregd();
    await fsp.unlink(d.fifoPath);
    await fsp.mkdir(d.fifoPath);
    d.process.kill("SIGHUP");
    await until(() => d.logs().some((l) => l.includes("MI FIFO cannot be recreated")), 10_000, "the failure line");
    expect(alive(d)).toBe(true);
    expect(await d.mi("which")).toContain("reg_list");
    // A second SIGHUP with the directory still there: still one line per attempt, still alive.
    d.process.kill("SIGHUP");
    await until(
      () => d.logs().filter((l) => l.includes("MI FIFO cannot be recreated")).length >= 2,
      10_000,
      "the second failure line",
    );
    expect(alive(d)).toBe(true);
    await fsp.rmdir(d.fifoPath);
    d.process.kill("SIGHUP");
    await until(() => isFifo(d), 10_000, "the FIFO to come back");
    expect(alive(d)).toBe(true);
    expect(await d.mi("which")).toContain("reg_list");
    expect((await d.stop()).code).toBe(0);
  });
});
