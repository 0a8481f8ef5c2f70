import { describe, expect, it } from "vitest";
import { BucketWalk } from "./bucket-walk.js";
import { bucketPeriodSeconds } from "./bucket-count.js";
import { SchedulerConfigError } from "./scheduler-config-error.js";

describe("the bucket walk (docs/opensips-behaviour.md §3)", () => {
  it("visits one bucket every floor(T/H) s in cyclic order, first one period after start", () => {
    // Module doc example: timer_interval 8 would be refused (< 10); T=10, hash_size 2 → 4 buckets every 2 s.
    const walk = new BucketWalk({ hashSize: 2, timerInterval: 10, start: 1_000 });
    expect(walk.periodMs).toBe(2_000);
    expect(walk.nextDeadline()).toBe(3_000);
    expect(walk.due(2_999)).toBeUndefined();
    const seen: number[] = [];
    for (let t = 3_000; t <= 3_000 + 9 * 2_000; t += 2_000) {
      seen.push(walk.due(t) ?? -1);
      expect(walk.due(t)).toBeUndefined();
    }
    expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  });

  it("uses the defaults of OpenSIPS: T=100, hash_size 1 → a bucket every 50 s", () => {
    const walk = new BucketWalk({ hashSize: 1, timerInterval: 100, start: 0 });
    expect(walk.due(50_000)).toBe(0);
    expect(walk.due(100_000)).toBe(1);
    expect(walk.due(150_000)).toBe(0);
  });

  it("truncates T/H", () => {
    expect(bucketPeriodSeconds(2, 11)).toBe(2);
    expect(bucketPeriodSeconds(3, 15)).toBe(1);
  });

  it("stays on the grid when a visit is a little late", () => {
    const walk = new BucketWalk({ hashSize: 1, timerInterval: 10, start: 0 });
    expect(walk.due(5_400)).toBe(0);
    expect(walk.nextDeadline()).toBe(10_000);
    expect(walk.due(10_001)).toBe(1);
    expect(walk.nextDeadline()).toBe(15_000);
    expect(walk.delayedVisits).toBe(0);
  });

  it("delays the next visit after an overrun instead of firing the missed ones", () => {
    const walk = new BucketWalk({ hashSize: 2, timerInterval: 40, start: 0 }); // 10 s period
    expect(walk.due(10_000)).toBe(0);
    // The visit of bucket 0 overran until t = 37 s: two deadlines (20 s, 30 s) were missed.
    expect(walk.due(37_000)).toBe(1);
    expect(walk.due(37_000)).toBeUndefined();
    expect(walk.nextDeadline()).toBe(47_000);
    expect(walk.due(47_000)).toBe(2);
    expect(walk.due(57_000)).toBe(3);
    expect(walk.due(67_000)).toBe(0);
    expect(walk.visits).toBe(5);
    expect(walk.delayedVisits).toBe(1);
  });

  it("has no test-only period: a fast test jumps its clock to the next deadline instead", () => {
    const walk = new BucketWalk({ hashSize: 1, timerInterval: 10, start: 0 });
    expect(walk.due(4_999)).toBeUndefined();
    expect(walk.nextDeadline()).toBe(5_000);
    expect(walk.due(walk.nextDeadline())).toBe(0);
    expect(walk.due(walk.nextDeadline())).toBe(1);
  });

  describe("refuses to start", () => {
    const refused = (hashSize: number, timerInterval: number, parameter: string) => {
      let error: unknown;
      try {
        new BucketWalk({ hashSize, timerInterval, start: 0 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SchedulerConfigError);
      expect((error as SchedulerConfigError).parameter).toBe(parameter);
      expect((error as SchedulerConfigError).message).toContain(parameter);
    };
    it("with timer_interval < 10", () => refused(1, 9, "timer_interval"));
    it("with floor(T/H) < 1", () => refused(4, 15, "timer_interval"));
    it("with hash_size 0", () => refused(0, 100, "hash_size"));
    it("with hash_size 21", () => refused(21, 10_000_000, "hash_size"));
    it("with a fractional hash_size", () => refused(1.5, 100, "hash_size"));
    it("accepts the limits hash_size 1 and 20", () => {
      expect(new BucketWalk({ hashSize: 20, timerInterval: 2 ** 20, start: 0 }).periodMs).toBe(1_000);
      expect(new BucketWalk({ hashSize: 1, timerInterval: 10, start: 0 }).periodMs).toBe(5_000);
    });
  });
});
