import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeCacheFile, runWithCodeCache, wrappedSource, writeCodeCache } from "./code-cache.js";

// A CommonJS script as the bundle's vendor script is: requires node's built-ins, exports functions.
const SCRIPT = `const { join } = require("node:path");
exports.where = (name) => join("/srv", name);
exports.file = __filename;
`;

describe("runWithCodeCache (the vendor script's V8 code cache)", () => {
  let dir: string;
  let file: string;
  let cache: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "uacregd-code-cache-test-"));
    file = join(dir, "vendor.cjs");
    cache = `${file}.v8cache`;
    writeFileSync(file, SCRIPT);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const where = (exports: unknown) => (exports as { where: (n: string) => string }).where("x");

  it("runs the script without a cache, and with the cache written after a run", () => {
    const first = runWithCodeCache(file, cache);
    expect(first.cache).toBe("none");
    expect(where(first.exports)).toBe("/srv/x");
    expect((first.exports as { file: string }).file).toBe(file);
    writeCodeCache(first, file, cache);
    const second = runWithCodeCache(file, cache);
    expect(second.cache).toBe("used");
    expect(where(second.exports)).toBe("/srv/x");
  });

  it("ignores a cache made from other source of the same length, and runs the new source", () => {
    writeCodeCache(runWithCodeCache(file, cache), file, cache);
    writeFileSync(file, SCRIPT.replace('"/srv"', '"/var"'));
    const run = runWithCodeCache(file, cache);
    expect(run.cache).toBe("other-source");
    expect(where(run.exports)).toBe("/var/x");
  });

  it("compiles from the source when the cache is damaged, truncated, foreign or unreadable", () => {
    writeCodeCache(runWithCodeCache(file, cache), file, cache);
    const good = readFileSync(cache);
    // V8's data damaged after a valid header (V8 itself does not check it in a release build).
    const damaged = Buffer.from(good);
    for (let i = good.length - 64; i < good.length; i++) damaged[i] = (damaged[i] ?? 0) ^ 0xff;
    writeFileSync(cache, damaged);
    const refused = runWithCodeCache(file, cache);
    expect(refused.cache).toBe("damaged");
    expect(where(refused.exports)).toBe("/srv/x");
    for (const content of [good.subarray(0, 10), Buffer.from("not a cache at all, but long enough to hold a header")]) {
      writeFileSync(cache, content);
      const run = runWithCodeCache(file, cache);
      expect(run.cache).toBe("other-source");
      expect(where(run.exports)).toBe("/srv/x");
    }
    rmSync(cache);
    mkdirSync(cache);
    const unreadable = runWithCodeCache(file, cache);
    expect(unreadable.cache).toBe("none");
    expect(where(unreadable.exports)).toBe("/srv/x");
  });

  it("compiles from the source when V8 refuses the cache (made by a node with other V8 flags)", () => {
    // V8's data for the same wrapped source, made by a node started with a flag this process does not have.
    const made = execFileSync(
      process.execPath,
      [
        "--max-semi-space-size=3",
        "-e",
        'const { Script } = require("node:vm"); process.stdout.write(new Script(process.argv[1]).createCachedData().toString("base64"));',
        wrappedSource(SCRIPT),
      ],
      { encoding: "utf8" },
    );
    writeFileSync(cache, codeCacheFile(SCRIPT, Buffer.from(made, "base64")));
    const run = runWithCodeCache(file, cache);
    expect(run.cache).toBe("rejected");
    expect(where(run.exports)).toBe("/srv/x");
  });

  it("lets an error thrown by the script propagate, as require does", () => {
    writeFileSync(file, 'throw new Error("vendor script failed");');
    expect(() => runWithCodeCache(file, cache)).toThrow("vendor script failed");
  });
});
