import { describe, expect, it } from "vitest";
import { CoalescedReload } from "./coalesced-reload.js";

/** A reload whose runs the test finishes one at a time. */
function controlled() {
  const finishers: Array<() => void> = [];
  let runs = 0;
  const reload = new CoalescedReload(() => {
    runs++;
    return new Promise<void>((resolve) => finishers.push(resolve));
  });
  const finishNext = async () => {
    finishers.shift()?.();
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return { reload, runs: () => runs, finishNext };
}

describe("SIGHUP reloads are coalesced", () => {
  it("100 requests during a reload: one running, one queued, two runs in all", async () => {
    const c = controlled();
    const done = Array.from({ length: 100 }, () => c.reload.request());
    await new Promise<void>((r) => setImmediate(r));
    expect(c.runs()).toBe(1);
    await c.finishNext();
    expect(c.runs()).toBe(2);
    await c.finishNext();
    await Promise.all(done);
    expect(c.runs()).toBe(2);
  });

  it("a request after the queued run started queues one more (the change it announces is not missed)", async () => {
    const c = controlled();
    void c.reload.request();
    void c.reload.request();
    await c.finishNext();
    expect(c.runs()).toBe(2);
    const late = c.reload.request();
    await c.finishNext();
    expect(c.runs()).toBe(3);
    await c.finishNext();
    await late;
    expect(c.runs()).toBe(3);
  });

  it("a failed run does not stop the next one", async () => {
    let runs = 0;
    const reload = new CoalescedReload(async () => {
      runs++;
      if (runs === 1) throw new Error("db down");
    });
    await expect(reload.request()).rejects.toThrow("db down");
    await reload.request();
    expect(runs).toBe(2);
  });
});
