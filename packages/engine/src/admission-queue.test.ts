import { describe, expect, it } from "vitest";
import { VirtualClock } from "@uacreg/runtime/testing";
import { AdmissionQueue, INITIAL_WINDOW, MIN_WINDOW } from "./admission-queue.js";

function queue(max: number, wanted: (s: string) => boolean = () => true) {
  const started: string[] = [];
  const q = new AdmissionQueue<string, string>({
    max,
    start: (record, send) => started.push(`${record}:${send}`),
    wanted: (_record, send) => wanted(send),
  });
  return { q, started };
}

describe("AdmissionQueue (the in-flight bound)", () => {
  it("starts at once up to the bound, then queues in FIFO order", () => {
    const { q, started } = queue(2);
    for (const s of ["a", "b", "c", "d"]) q.admit("r", s);
    expect(started).toEqual(["r:a", "r:b"]);
    expect([q.inFlight, q.queued]).toEqual([2, 2]);
    q.release("", 0, "ok");
    q.drain();
    expect(started).toEqual(["r:a", "r:b", "r:c"]);
    q.release("", 0, "ok");
    q.release("", 0, "ok");
    q.drain();
    expect(started).toEqual(["r:a", "r:b", "r:c", "r:d"]);
    expect([q.inFlight, q.queued]).toEqual([1, 0]);
  });

  it("gives a freed slot to a follow-up admitted before drain, ahead of the queue", () => {
    const { q, started } = queue(1);
    q.admit("r", "a");
    q.admit("r", "b");
    q.release("", 0, "ok");
    q.admit("r", "a+auth");
    q.drain();
    expect(started).toEqual(["r:a", "r:a+auth"]);
    expect(q.queued).toBe(1);
  });

  it("drops a queued send no longer wanted when its turn comes", () => {
    const abandoned = new Set(["b"]);
    const { q, started } = queue(1, (s) => !abandoned.has(s));
    for (const s of ["a", "b", "c"]) q.admit("r", s);
    q.release("", 0, "ok");
    q.drain();
    expect(started).toEqual(["r:a", "r:c"]);
    expect(q.queued).toBe(0);
  });

  it("is idle once nothing is in flight or queued (a queued send dropped at its turn included)", () => {
    const { q } = queue(1, (s) => s !== "b");
    expect(q.idle).toBe(true);
    q.admit("r", "a");
    q.admit("r", "b");
    expect(q.idle).toBe(false);
    q.release("", 0, "ok");
    q.drain();
    expect(q.idle).toBe(true);
  });

  it("refuses a bound below 1", () => {
    expect(() => queue(0)).toThrow(RangeError);
  });
});

/**
 * Registrars on a virtual clock: each send to registrar `key` is answered after `rtt` ms with "ok", or times out
 * after `timeoutMs` ("congestion") while the registrar is overloaded (more than `capacity` in flight when it arrived).
 */
function registrars(max: number, plan: Record<string, { rtt: number; capacity: number; timeoutMs?: number }>) {
  const clock = new VirtualClock();
  const open = new Map<string, number>();
  const peak = new Map<string, number>();
  const answered = new Map<string, number>();
  const q: AdmissionQueue<string, string> = new AdmissionQueue<string, string>({
    max,
    key: (send) => send,
    wanted: () => true,
    start: (_record, key, epoch) => {
      const p = plan[key];
      if (p === undefined) throw new Error(`no plan for ${key}`);
      const now = (open.get(key) ?? 0) + 1;
      open.set(key, now);
      peak.set(key, Math.max(peak.get(key) ?? 0, now));
      const overloaded = now > p.capacity;
      clock.setTimer(overloaded ? (p.timeoutMs ?? 32_000) : p.rtt, () => {
        open.set(key, (open.get(key) ?? 1) - 1);
        if (!overloaded) answered.set(key, (answered.get(key) ?? 0) + 1);
        q.release(key, epoch, overloaded ? "congestion" : "ok");
        q.drain();
      });
    },
  });
  return { clock, q, peak, answered };
}

describe("the adaptive window per registrar (RFC 5681-style AIMD)", () => {
  it("starts small and grows while replies come back, up to max_in_flight and never above", async () => {
    const { clock, q, peak } = registrars(500, { fast: { rtt: 10, capacity: 10_000 } });
    expect(q.window("fast")).toBe(INITIAL_WINDOW);
    for (let i = 0; i < 5000; i++) q.admit(`r${i}`, "fast");
    expect(q.inFlight).toBe(INITIAL_WINDOW);
    await clock.advance(30); // three round trips: 32 → 64 → 128 → 256
    expect(q.window("fast")).toBe(256);
    await clock.runUntil(() => q.idle, 10_000);
    expect(q.window("fast")).toBe(500);
    expect(peak.get("fast")).toBe(500);
  });

  it("halves on a congestion signal, once per loss event, never below the floor", () => {
    const epochs: number[] = [];
    const q = new AdmissionQueue<string, string>({
      max: 1000,
      start: (_r, _s, epoch) => epochs.push(epoch),
      wanted: () => true,
    });
    // Keep the window full and answer 100 sends in time: slow start, +1 each.
    for (let i = 0; i < 1000; i++) q.admit("r", `s${i}`);
    for (let i = 0; i < 100; i++) {
      q.release("", epochs[i] ?? -1, "ok");
      q.drain();
    }
    expect(q.window("")).toBe(INITIAL_WINDOW + 100);
    // A timeout of a send started before any halving: halve.
    q.release("", 0, "congestion");
    expect(q.window("")).toBe(Math.floor((INITIAL_WINDOW + 100) / 2));
    // More timeouts of sends from that same epoch (the same loss event): no further halving.
    q.release("", 0, "congestion");
    q.release("", 0, "congestion");
    expect(q.window("")).toBe(66);
    // A send started after the halving times out too: a new loss event, halve again; then the floor holds.
    q.release("", 1, "congestion");
    expect(q.window("")).toBe(33);
    q.release("", 2, "congestion");
    q.release("", 3, "congestion");
    expect(q.window("")).toBe(MIN_WINDOW);
    // Above the threshold (half the window at the first loss) growth is additive: +1 per window of replies.
    q.drain();
    const before = q.window("");
    for (let i = 0; i < 2 * MIN_WINDOW; i++) q.release("", 4, "ok");
    expect(q.window("")).toBe(before + 1);
  });

  it("against a registrar that takes 100 at once, the window settles near it, not at max_in_flight", async () => {
    const { clock, q, peak } = registrars(2000, { small: { rtt: 10, capacity: 100, timeoutMs: 1000 } });
    for (let i = 0; i < 20_000; i++) q.admit(`r${i}`, "small");
    await clock.runUntil(() => q.idle, 3_600_000);
    expect(q.window("small")).toBeLessThan(400);
    expect(q.window("small")).toBeGreaterThanOrEqual(MIN_WINDOW);
    expect(peak.get("small")).toBeLessThanOrEqual(2000);
  });

  it("registrars are independent: a slow one halves, a fast one is not held back", async () => {
    const { clock, q, peak, answered } = registrars(1000, {
      slow: { rtt: 10, capacity: 40, timeoutMs: 500 },
      fast: { rtt: 10, capacity: 100_000 },
    });
    for (let i = 0; i < 2000; i++) {
      q.admit(`s${i}`, "slow");
      q.admit(`f${i}`, "fast");
    }
    await clock.runUntil(() => (answered.get("fast") ?? 0) === 2000, 600_000);
    expect(q.window("fast")).toBeGreaterThan(500);
    expect(q.window("slow")).toBeLessThan(q.window("fast"));
    expect(peak.get("fast")).toBeGreaterThan(500);
    // The fast registrar was done in a few dozen round trips, while the slow one still had work queued.
    expect(clock.now()).toBeLessThan(2000);
    expect(q.queued).toBeGreaterThan(0);
    await clock.runUntil(() => q.idle, 600_000);
  });
});
