import { describe, expect, it } from "vitest";
import { AdmissionQueue } from "./admission-queue.js";

function queue(max: number, wanted: (s: string) => boolean = () => true) {
  const started: string[] = [];
  const q = new AdmissionQueue<string, string>(
    max,
    (record, send) => started.push(`${record}:${send}`),
    (_record, send) => wanted(send),
  );
  return { q, started };
}

describe("AdmissionQueue (the in-flight bound)", () => {
  it("starts at once up to the bound, then queues in FIFO order", () => {
    const { q, started } = queue(2);
    for (const s of ["a", "b", "c", "d"]) q.admit("r", s);
    expect(started).toEqual(["r:a", "r:b"]);
    expect([q.inFlight, q.queued]).toEqual([2, 2]);
    q.release();
    q.drain();
    expect(started).toEqual(["r:a", "r:b", "r:c"]);
    q.release();
    q.release();
    q.drain();
    expect(started).toEqual(["r:a", "r:b", "r:c", "r:d"]);
    expect([q.inFlight, q.queued]).toEqual([1, 0]);
  });

  it("gives a freed slot to a follow-up admitted before drain, ahead of the queue", () => {
    const { q, started } = queue(1);
    q.admit("r", "a");
    q.admit("r", "b");
    q.release();
    q.admit("r", "a+auth");
    q.drain();
    expect(started).toEqual(["r:a", "r:a+auth"]);
    expect(q.queued).toBe(1);
  });

  it("drops a queued send no longer wanted when its turn comes", () => {
    const abandoned = new Set(["b"]);
    const { q, started } = queue(1, (s) => !abandoned.has(s));
    for (const s of ["a", "b", "c"]) q.admit("r", s);
    q.release();
    q.drain();
    expect(started).toEqual(["r:a", "r:c"]);
    expect(q.queued).toBe(0);
  });

  it("tells idle waiters once nothing is in flight or queued", () => {
    const { q } = queue(1);
    let idle = 0;
    q.whenIdle(() => idle++);
    expect(idle).toBe(1);
    q.admit("r", "a");
    q.admit("r", "b");
    const cancelled = q.whenIdle(() => idle++);
    q.whenIdle(() => idle++);
    cancelled();
    q.release();
    q.drain();
    expect(idle).toBe(1);
    q.release();
    q.drain();
    expect(idle).toBe(2);
    expect(q.idle).toBe(true);
  });

  it("refuses a bound below 1", () => {
    expect(() => queue(0)).toThrow(RangeError);
  });
});
