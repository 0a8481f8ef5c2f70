import { describe, expect, it } from "vitest";
import { Coalescer, type Timers } from "./coalesce.js";

/** Timers run by hand: `fire()` runs what is due. */
function manualTimers() {
  const due: Array<() => void> = [];
  const timers: Timers = {
    set: (run) => {
      due.push(run);
      return run;
    },
    clear: (h) => {
      const i = due.indexOf(h as () => void);
      if (i >= 0) due.splice(i, 1);
    },
  };
  return {
    timers,
    due,
    fire: () => {
      for (const run of due.splice(0)) run();
    },
  };
}

describe("Coalescer: a burst of state events makes a few page fetches", () => {
  it("runs once for many triggers before the delay", async () => {
    const t = manualTimers();
    let runs = 0;
    const c = new Coalescer(async () => void runs++, 400, t.timers);
    for (let i = 0; i < 20_000; i++) c.trigger();
    expect(t.due).toHaveLength(1);
    t.fire();
    await Promise.resolve();
    expect(runs).toBe(1);
  });

  it("never runs two at once, and once more after one in flight when triggered meanwhile", async () => {
    const t = manualTimers();
    let running = 0;
    let most = 0;
    let runs = 0;
    let finish: () => void = () => {};
    const c = new Coalescer(
      () => {
        runs++;
        running++;
        most = Math.max(most, running);
        return new Promise<void>((r) => {
          finish = () => {
            running--;
            r();
          };
        });
      },
      400,
      t.timers,
    );
    c.trigger();
    t.fire();
    c.trigger();
    c.trigger();
    expect(t.due).toHaveLength(0);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(t.due).toHaveLength(1);
    t.fire();
    finish();
    await new Promise((r) => setImmediate(r));
    expect([runs, most]).toEqual([2, 1]);
  });

  it("cancel drops a pending run", () => {
    const t = manualTimers();
    let runs = 0;
    const c = new Coalescer(async () => void runs++, 400, t.timers);
    c.trigger();
    c.cancel();
    expect(t.due).toHaveLength(0);
    expect(runs).toBe(0);
  });
});
