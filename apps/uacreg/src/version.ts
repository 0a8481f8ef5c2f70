/**
 * `uacreg --version`: the release and the commit the build was made from, from @uacreg/release (the one source both
 * binaries read).
 */
import { versionLine } from "@uacreg/release";

export { type ReleaseInfo, releaseVersion } from "@uacreg/release";

/** What `uacreg --version` prints: `uacreg 1.0.0 (commit abc1234)`. */
export function versionText(): string {
  return versionLine("uacreg");
}
