import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { releaseVersion } from "./release-info.js";

const root = resolve(import.meta.dirname, "../../..");

function manifests(): string[] {
  const inGroups = ["packages", "apps"].flatMap((g) =>
    readdirSync(join(root, g)).map((d) => join(g, d, "package.json")),
  );
  return ["package.json", "test/package.json", ...inGroups].filter((f) => existsSync(join(root, f)));
}

describe("one version for the release", () => {
  it("every package.json of the workspace carries the release version", () => {
    const { version } = releaseVersion();
    const off = manifests()
      .map((f) => ({ f, v: (JSON.parse(readFileSync(join(root, f), "utf8")) as { version?: string }).version }))
      .filter(({ v }) => v !== version)
      .map(({ f, v }) => `${f}: ${v ?? "(none)"}`);
    expect(off, `release version ${version}`).toEqual([]);
  });

  it("CHANGELOG.md has an entry for the release version", () => {
    const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(
      new RegExp(`^## \\[${releaseVersion().version.replace(/\./g, "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"),
    );
  });
});
