import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "web-section-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const web = (section: unknown) => resolveConfig(section === undefined ? {} : { web: section }, dir).web;

function refusedKey(section: unknown): string {
  try {
    web(section);
  } catch (e) {
    if (e instanceof ConfigError) return e.key;
    throw e;
  }
  return "(accepted)";
}

describe("web:", () => {
  it("is on by default on loopback without a token; null turns it off", () => {
    expect(web(undefined)).toEqual({ listen: "127.0.0.1:8889", token: null, explicit: false });
    expect(web({})).toEqual({ listen: "127.0.0.1:8889", token: null, explicit: true });
    expect(web(null)).toBeNull();
    expect(web({ listen: "[::1]:0" })).toEqual({ listen: "[::1]:0", token: null, explicit: true });
    expect(web({ listen: "localhost:9000" })?.token).toBeNull();
  });

  it("refuses a non-loopback address without a token, naming web.token", () => {
    expect(refusedKey({ listen: "0.0.0.0:8889" })).toBe("web.token");
    expect(refusedKey({ listen: "192.0.2.10:8889" })).toBe("web.token");
    expect(refusedKey({ listen: "[::]:8889" })).toBe("web.token");
    expect(web({ listen: "0.0.0.0:8889", token: "a-long-random-token" })?.token).toBe("a-long-random-token");
  });

  it("reads the token from token_file (trailing newline removed); errors name the key, never the token", () => {
    const file = join(dir, "token");
    writeFileSync(file, "tok-from-file\n");
    expect(web({ listen: "0.0.0.0:1", token_file: file })?.token).toBe("tok-from-file");
    expect(refusedKey({ token_file: join(dir, "missing") })).toBe("web.token_file");
    expect(refusedKey({ token: "x", token_file: file })).toBe("web.token_file");
    writeFileSync(file, "two words\n");
    expect(refusedKey({ token_file: file })).toBe("web.token_file");
    let message = "";
    try {
      web({ token: "has space-secret" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("web.token");
    expect(message).not.toContain("space-secret");
    expect(refusedKey({ listen: "nowhere" })).toBe("web.listen");
    expect(refusedKey({ lissten: "127.0.0.1:1" })).toBe("web.lissten");
  });
});
