import { describe, expect, it } from "vitest";
import { DemoRegistrarUsageError, parseDemoRegistrarArgs } from "./index.js";

describe("uacreg-demo-registrar command line", () => {
  it("reads users, port, realm and expiry limits", () => {
    const a = parseDemoRegistrarArgs([
      "--port",
      "5099",
      "--user",
      "alice:se:cret",
      "--user",
      "bob:pw",
      "--realm",
      "example.test",
      "--min-expires",
      "30",
      "--max-expires",
      "900",
      "--forbid-wrong",
    ]);
    expect(a.options).toEqual({
      host: "127.0.0.1",
      port: 5099,
      users: { alice: "se:cret", bob: "pw" },
      realm: "example.test",
      minExpires: 30,
      maxExpires: 900,
      wrongCredentialsStatus: 403,
    });
    expect(a.quiet).toBe(false);
  });

  it("defaults to 127.0.0.1:5060, realm uacreg.demo, expiry 60..3600", () => {
    expect(parseDemoRegistrarArgs(["--user", "alice:secret"]).options).toEqual({
      host: "127.0.0.1",
      port: 5060,
      users: { alice: "secret" },
      realm: "uacreg.demo",
      minExpires: 60,
      maxExpires: 3600,
    });
  });

  it("reads the REGISTER log file, the out-of-order status and the receive buffer", () => {
    const a = parseDemoRegistrarArgs([
      "--user",
      "a:b",
      "--register-log",
      "/tmp/reg.jsonl",
      "--out-of-order-status",
      "400",
      "--rcvbuf",
      "4096",
    ]);
    expect(a.registerLogFile).toBe("/tmp/reg.jsonl");
    expect(a.options).toMatchObject({ outOfOrderStatus: 400, recvBufferSize: 4096 });
    expect(() => parseDemoRegistrarArgs(["--user", "a:b", "--out-of-order-status", "403"])).toThrow(/400 or 500/);
    expect(() => parseDemoRegistrarArgs(["--user", "a:b", "--rcvbuf", "0"])).toThrow(/--rcvbuf/);
  });

  it("rejects a missing user, a user without password separator, bad numbers and unknown flags", () => {
    expect(() => parseDemoRegistrarArgs([])).toThrow(DemoRegistrarUsageError);
    expect(() => parseDemoRegistrarArgs(["--user", "alice"])).toThrow(/name:password/);
    expect(() => parseDemoRegistrarArgs(["--user", "a:b", "--port", "x"])).toThrow(/--port/);
    expect(() => parseDemoRegistrarArgs(["--user", "a:b", "--max-expires", "10"])).toThrow(/--max-expires/);
    expect(() => parseDemoRegistrarArgs(["--user", "a:b", "--bogus"])).toThrow(DemoRegistrarUsageError);
  });

  it("never echoes a password in its errors", () => {
    try {
      parseDemoRegistrarArgs(["--user", "alice:topsecret", "--port", "nope"]);
    } catch (err) {
      expect((err as Error).message).not.toContain("topsecret");
    }
    expect.assertions(1);
  });
});
