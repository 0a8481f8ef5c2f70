/**
 * The release a build belongs to, as `--version` prints it: the version is this package's `version` (every package
 * of the workspace carries the same one, the release of CHANGELOG.md), the commit is the one the build was made from,
 * written to `dist/build-info.json` by `scripts/build-info.mjs` when the package is built. An installed copy (a
 * `pnpm deploy` into a prefix, a tarball) carries that file, so it still names the commit it was built from with no
 * git checkout around it. Neither read ever throws: `--version` must answer on a damaged install too.
 */
import { readFileSync } from "node:fs";

/** What `--version` reports. */
export interface ReleaseInfo {
  /** The release version, e.g. `1.0.0`. */
  readonly version: string;
  /** The short commit hash the build was made from, or {@link UNKNOWN} (not built from a git checkout). */
  readonly commit: string;
}

/** The value of a field that could not be read. */
export const UNKNOWN = "unknown";

/** Where the two facts are read from; the defaults are this package's own files (see {@link releaseVersion}). */
export interface ReleaseFiles {
  /** A package.json whose `version` is the release version. */
  readonly packageJson: URL | string;
  /** The `build-info.json` the build wrote (`{"commit": "abc1234"}`); absent when built without the script. */
  readonly buildInfo: URL | string;
}

/** Reads the version and the commit from `files`; a missing or unreadable field is {@link UNKNOWN}. */
export function readReleaseInfo(files: ReleaseFiles): ReleaseInfo {
  return { version: stringField(files.packageJson, "version"), commit: stringField(files.buildInfo, "commit") };
}

function stringField(file: URL | string, field: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (typeof parsed === "object" && parsed !== null) {
      const value = (parsed as Record<string, unknown>)[field];
      if (typeof value === "string" && /^[\w.+-]{1,64}$/.test(value)) return value;
    }
  } catch {
    // Absent or not JSON: reported as unknown, never an error (see the file's comment).
  }
  return UNKNOWN;
}

let cached: ReleaseInfo | undefined;

/**
 * This build's release: `version` from @uacreg/release's package.json, `commit` from the `build-info.json` next to
 * this module (in `dist/`, written at build time; run from the sources, as the unit tests do, it is {@link UNKNOWN}).
 * Read once.
 */
export function releaseVersion(): ReleaseInfo {
  cached ??= readReleaseInfo({
    packageJson: new URL("../package.json", import.meta.url),
    buildInfo: new URL("./build-info.json", import.meta.url),
  });
  return cached;
}

/** The one line both binaries print for `--version`: `uacregd 1.0.0 (commit abc1234)`. */
export function versionLine(program: string, info: ReleaseInfo = releaseVersion()): string {
  return `${program} ${info.version} (commit ${info.commit})`;
}
