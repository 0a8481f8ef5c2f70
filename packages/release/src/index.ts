/**
 * @uacreg/release: the one source of the release version and the build's commit, for `uacregd --version`,
 * `uacreg --version`, the daemon's User-Agent and its MI `version` reply.
 */
export {
  type ReleaseFiles,
  type ReleaseInfo,
  readReleaseInfo,
  releaseVersion,
  UNKNOWN,
  versionLine,
} from "./release-info.js";
