import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readReleaseInfo, releaseVersion, UNKNOWN, versionLine } from "./release-info.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function files(pkg: string | undefined, info: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), "uacreg-release-"));
  dirs.push(dir);
  if (pkg !== undefined) writeFileSync(join(dir, "package.json"), pkg);
  if (info !== undefined) writeFileSync(join(dir, "build-info.json"), info);
  return { packageJson: join(dir, "package.json"), buildInfo: join(dir, "build-info.json") };
}

describe("release info", () => {
  it("prints the program, the version and the commit on one line", () => {
    expect(versionLine("uacregd", { version: "1.0.0", commit: "abc1234" })).toBe("uacregd 1.0.0 (commit abc1234)");
  });

  it("reads the version from package.json and the commit from build-info.json", () => {
    const info = readReleaseInfo(files('{"name":"x","version":"1.2.3"}', '{"commit":"0123abc"}'));
    expect(info).toEqual({ version: "1.2.3", commit: "0123abc" });
  });

  it("says unknown, without throwing, when build-info.json is missing, not JSON or holds something odd", () => {
    expect(readReleaseInfo(files('{"version":"1.0.0"}', undefined)).commit).toBe(UNKNOWN);
    expect(readReleaseInfo(files('{"version":"1.0.0"}', "not json")).commit).toBe(UNKNOWN);
    expect(readReleaseInfo(files('{"version":"1.0.0"}', '{"commit":"a\\nb"}')).commit).toBe(UNKNOWN);
    expect(readReleaseInfo(files(undefined, '{"commit":"abc"}')).version).toBe(UNKNOWN);
  });

  it("gives this package's version as the release version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(releaseVersion().version).toBe(pkg.version);
  });
});
