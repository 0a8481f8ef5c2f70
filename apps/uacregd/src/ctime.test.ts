import { describe, expect, it } from "vitest";
import { ctime } from "./ctime.js";

describe("ctime", () => {
  it("prints the epoch like C ctime in UTC, day padded with a space", () => {
    process.env.TZ = "UTC";
    expect(ctime(0)).toBe("Thu Jan  1 00:00:00 1970");
    expect(ctime(1769611907)).toBe("Wed Jan 28 14:51:47 2026");
  });
});
