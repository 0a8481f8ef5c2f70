import { arch, platform } from "node:os";

/** The uacreg release (kept in step with the package versions). */
export const VERSION = "0.1.0";
/** User-Agent of every REGISTER. */
export const USER_AGENT = `uacreg/${VERSION}`;
/** What MI `version` prints, in the shape of OpenSIPS's server signature. */
export const VERSION_STRING = `uacreg ${VERSION} (${arch()}/${platform()})`;
