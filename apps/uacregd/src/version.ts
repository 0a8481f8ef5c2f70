/**
 * The daemon's version strings, all from @uacreg/release (the one source of the release version and the build's
 * commit): `--version`, the User-Agent of every REGISTER and the MI `version` reply.
 */
import { arch, platform } from "node:os";
import { releaseVersion, versionLine } from "@uacreg/release";

/** The uacreg release (CHANGELOG.md), e.g. `1.0.0`. */
export const VERSION = releaseVersion().version;
/** User-Agent of every REGISTER. */
export const USER_AGENT = `uacreg/${VERSION}`;
/** What MI `version` prints, in the shape of OpenSIPS's server signature. */
export const VERSION_STRING = `uacreg ${VERSION} (${arch()}/${platform()})`;

/** What `uacregd --version` prints: `uacregd 1.0.0 (commit abc1234)`. */
export function versionText(): string {
  return versionLine("uacregd");
}
