/** `log:` (level, format). */
import { DEFAULT_LOG } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import { LOG_LEVELS, type UacregConfig } from "./config-schema.js";
import { readString, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

export function readLog(l: YamlMapping): UacregConfig["log"] {
  refuseUnknownKeys(l, ["level", "format"], "log.");
  const level = readString(l, "level", "log.", DEFAULT_LOG.level);
  const known = LOG_LEVELS.find((x) => x === level);
  if (known === undefined) throw new ConfigError("log.level", level, `must be one of ${LOG_LEVELS.join(", ")}`);
  const format = readString(l, "format", "log.", DEFAULT_LOG.format);
  if (format !== "json" && format !== "pretty") throw new ConfigError("log.format", format, "must be json or pretty");
  return { level: known, format };
}
