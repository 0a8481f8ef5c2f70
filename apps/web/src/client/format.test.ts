import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatExpiry,
  formatMs,
  formatRatio,
  formatReply,
  formatSince,
  formatTime,
  stateLabel,
  stateSymbol,
  stateTone,
} from "./format.js";

describe("how the page writes states and times", () => {
  it("names a state in words and gives it a symbol besides its colour", () => {
    expect(stateLabel("REGISTERED_STATE")).toBe("REGISTERED");
    expect(stateLabel("AUTHENTICATING_UNREGISTER_STATE")).toBe("AUTHENTICATING_UNREGISTER");
    expect([stateTone("REGISTERED_STATE"), stateSymbol("REGISTERED_STATE")]).toEqual(["ok", "✓"]);
    expect([stateTone("WRONG_CREDENTIALS_STATE"), stateSymbol("WRONG_CREDENTIALS_STATE")]).toEqual(["bad", "✗"]);
    expect(stateTone("REGISTER_TIMEOUT_STATE")).toBe("bad");
    expect(stateTone("NOT_REGISTERED_STATE")).toBe("idle");
    expect(stateTone("REGISTERING_STATE")).toBe("busy");
  });

  it("writes durations as an operator reads them", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(59.9)).toBe("59s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(2 * 3600 + 7 * 60 + 3)).toBe("2h 07m");
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe("3d 4h");
    expect(formatDuration(-5)).toBe("0s");
  });

  it("counts the time in state and down to the expiry on the daemon's clock", () => {
    expect(formatSince(1000, 1185)).toBe("3m 05s");
    expect(formatSince(null, 1185)).toBe("—");
    expect(formatExpiry(1300, 1000)).toBe("in 5m 00s");
    expect(formatExpiry(1000, 1000)).toBe("expired");
    expect(formatExpiry(null, 1000)).toBe("—");
  });

  it("writes the last reply, the success ratio, the lag and a time", () => {
    expect(formatReply({ code: 401, reason: "Unauthorized" })).toBe("401 Unauthorized");
    expect(formatReply({ code: null, reason: "timeout" })).toBe("timeout");
    expect(formatReply(null)).toBe("—");
    expect(formatRatio(0.98234)).toBe("98.2 %");
    expect(formatRatio(1)).toBe("100.0 %");
    expect(formatRatio(null)).toBe("—");
    expect(formatMs(0.84)).toBe("0.8 ms");
    expect(formatMs(12.4)).toBe("12 ms");
    expect(formatMs(1234)).toBe("1.2 s");
    expect(formatTime(1_796_556_939)).toBe("2026-12-06 11:35:39 UTC");
  });
});
