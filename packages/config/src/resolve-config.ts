/**
 * The whole file: every section read, every default filled, every value checked by the package that owns its rule.
 * An unknown key, a wrong type or a value OpenSIPS would refuse throws a {@link ConfigError} naming the key and the
 * value.
 */
import { hostname } from "node:os";
import { readCluster } from "./cluster-section.js";
import { defaultDbUrl } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import { TOP_LEVEL_KEYS, type UacregConfig } from "./config-schema.js";
import { readSockets } from "./listen-section.js";
import { readLog } from "./log-section.js";
import { readMetrics } from "./metrics-section.js";
import { readMi } from "./mi-section.js";
import { readRegistrant } from "./registrant-section.js";
import { resolveDbUrl } from "./secrets.js";
import { readTm } from "./tm-section.js";
import { readWeb } from "./web-section.js";
import { isMapping, readSection, readString, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

/**
 * Validates a parsed YAML document (`undefined` or `null`: no config at all) and fills every default.
 * `dataDir` is the `data_dir` when the file does not set one: where the embedded SQLite database lives when `db_url`
 * is not given. `env`: the environment variables the secrets may come from (`UACREG_DB_URL`, secrets.ts); none by
 * default, so a document alone always means the same configuration.
 * @throws ConfigError naming the key and the value
 */
export function resolveConfig(
  doc: unknown,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): UacregConfig {
  if (doc !== undefined && doc !== null && !isMapping(doc))
    throw new ConfigError("(top level)", doc, "must be a mapping");
  const root: YamlMapping = isMapping(doc) ? doc : {};
  refuseUnknownKeys(root, TOP_LEVEL_KEYS, "");

  const data_dir = readString(root, "data_dir", "", dataDir);
  const { listen, tls } = readSockets(root);
  const { db_url, source: db_url_source } = resolveDbUrl(root, env, defaultDbUrl(data_dir));
  const registrant = readRegistrant(readSection(root, "registrant") ?? {});
  const cluster = readCluster(readSection(root, "cluster") ?? {}, readSection(root, "clustering") ?? {}, {
    enableClustering: registrant.enable_clustering,
    sqlite: /^sqlite:/i.test(db_url),
    hostName: hostname().split(".")[0] || "uacregd",
  });
  return {
    listen,
    tls,
    db_url,
    db_url_source,
    registrant,
    cluster,
    tm: readTm(readSection(root, "tm") ?? {}),
    mi: readMi(readSection(root, "mi") ?? {}),
    log: readLog(readSection(root, "log") ?? {}),
    metrics: readMetrics(root),
    web: readWeb(root),
    data_dir,
  };
}
