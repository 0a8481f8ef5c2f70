import { describe, expect, it } from "vitest";
import { dialableHostPort, HostPortError, parseHostPort } from "./host-port.js";

describe("host:port", () => {
  it.each([
    ["127.0.0.1:8888", { host: "127.0.0.1", port: 8888 }],
    ["localhost:0", { host: "localhost", port: 0 }],
    ["[::1]:8888", { host: "::1", port: 8888 }],
    ["[::]:65535", { host: "::", port: 65535 }],
  ])("reads %s", (text, parsed) => {
    expect(parseHostPort(text)).toEqual(parsed);
  });

  it.each([
    ["localhost", "no :port"],
    ["::1:8888", "an IPv6 address must be in brackets"],
    ["[::1]8888", "expected :port after ]"],
    ["[::1:8888", "unclosed [ in the IPv6 address"],
    [":8888", "empty host"],
    ["127.0.0.1:", 'bad port "" (0..65535)'],
    ["127.0.0.1:65536", 'bad port "65536" (0..65535)'],
    ["127.0.0.1:80x", 'bad port "80x" (0..65535)'],
  ])("refuses %s: %s", (text, reason) => {
    expect(() => parseHostPort(text)).toThrow(new HostPortError(text, reason));
  });

  it("dials a wildcard listener on loopback, IPv6 in brackets", () => {
    expect(dialableHostPort("0.0.0.0:8888")).toBe("127.0.0.1:8888");
    expect(dialableHostPort("[::]:8888")).toBe("[::1]:8888");
    expect(dialableHostPort("[fd00::5]:80")).toBe("[fd00::5]:80");
    expect(dialableHostPort("mi.example:80")).toBe("mi.example:80");
  });
});
