import { describe, expect, it } from "vitest";
import { formatHostPort, HostPortError, splitHostPort } from "./host-port.js";

describe("splitHostPort (RFC 3261 §25.1 hostport)", () => {
  it("splits a host name, an IPv4 address and a bracketed IPv6 reference, with and without a port", () => {
    expect(splitHostPort("reg.example.com:5080")).toEqual({ host: "reg.example.com", port: 5080, bracketed: false });
    expect(splitHostPort("127.0.0.1")).toEqual({ host: "127.0.0.1", bracketed: false });
    expect(splitHostPort("[::1]:5060")).toEqual({ host: "::1", port: 5060, bracketed: true });
    expect(splitHostPort("[2001:db8::1]")).toEqual({ host: "2001:db8::1", bracketed: true });
    expect(splitHostPort("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0, bracketed: false });
  });

  it.each([
    ["::1:5060", "an IPv6 address must be in brackets"],
    ["[::1", "unclosed ["],
    ["[::1]5060", "expected :port after ]"],
    [":5060", "empty host"],
    ["host:65536", "bad port"],
    ["host:", "bad port"],
    ["host:50a", "bad port"],
    ["host:123456", "bad port"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(() => splitHostPort(text)).toThrow(HostPortError);
    expect(() => splitHostPort(text)).toThrow(reason);
  });

  it("refuses a missing port only when one is required", () => {
    expect(() => splitHostPort("127.0.0.1", { portRequired: true })).toThrow("no :port");
    expect(splitHostPort("127.0.0.1:1", { portRequired: true }).port).toBe(1);
  });

  it("formats IPv6 addresses in brackets and round-trips", () => {
    expect(formatHostPort("::1", 5060)).toBe("[::1]:5060");
    expect(formatHostPort("10.0.0.1", 5060)).toBe("10.0.0.1:5060");
    const back = splitHostPort(formatHostPort("fe80::2", 7));
    expect(back).toEqual({ host: "fe80::2", port: 7, bracketed: true });
  });
});
