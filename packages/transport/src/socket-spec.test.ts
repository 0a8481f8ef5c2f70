import { describe, expect, it } from "vitest";
import { hostPort, parseSocketSpec } from "./socket-spec.js";

describe("socket specs in OpenSIPS syntax", () => {
  it("parses proto:host:port with IPv4, bracketed IPv6, default ports and any-case protocol", () => {
    expect(parseSocketSpec("udp:127.0.0.1:5060")).toMatchObject({
      proto: "udp",
      address: "127.0.0.1",
      port: 5060,
      family: 4,
    });
    expect(parseSocketSpec("TCP:[::1]:5070")).toMatchObject({ proto: "tcp", address: "::1", port: 5070, family: 6 });
    expect(parseSocketSpec("tls:0.0.0.0").canonical).toBe("tls:0.0.0.0:5061");
    expect(parseSocketSpec(" udp:[::]:0 ").canonical).toBe("udp:[::]:0");
  });

  it("rejects anything else with an error naming the spec", () => {
    for (const bad of [
      "127.0.0.1:5060",
      "sctp:1.2.3.4:5060",
      "udp:::1:5060",
      "udp:[::1",
      "udp:host.test:5060",
      "udp:1.2.3.4:70000",
      "udp:1.2.3.4:x",
    ]) {
      expect(() => parseSocketSpec(bad), bad).toThrow(`invalid socket "${bad}"`);
    }
  });

  it("writes host:port with IPv6 in brackets", () => {
    expect(hostPort("::1", 5060)).toBe("[::1]:5060");
    expect(hostPort("10.0.0.1", 5060)).toBe("10.0.0.1:5060");
  });
});
