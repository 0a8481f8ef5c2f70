/**
 * @uacreg/config: the uacreg YAML configuration, read the same way by `uacregd` and `uacreg`. Keys are the OpenSIPS
 * parameter names (docs/opensips-behaviour.md §1); every value is checked by the package that owns its rule.
 */
export {
  CONFIG_FILE_VARIABLE,
  type ConfigEnvironment,
  type ConfigFlags,
  configFileOf,
  DATA_DIR_VARIABLE,
  dataDirOf,
  type LoadedConfig,
  loadConfig,
  processEnvironment,
  readConfigFile,
} from "./config-file.js";
export {
  CLUSTER_BACKENDS,
  CLUSTER_TIMING_PROFILES,
  type ClusterBackend,
  type ClusterSection,
  type ClusterTiming,
} from "./cluster-section.js";
export { defaultDbUrl, SYSTEM_DATA_DIR } from "./config-defaults.js";
export { ConfigError } from "./config-error.js";
export {
  LOG_LEVELS,
  type LogLevel,
  type MiFifoSection,
  type MiHttpSection,
  type RegistrantSection,
  type TlsSocketConfig,
  type TmSection,
  type UacregConfig,
} from "./config-schema.js";
export { checkDriverOptions } from "./db-url-check.js";
export { dialableHostPort, type HostPort, HostPortError, parseHostPort } from "./host-port.js";
export { miHttpUrl } from "./mi-endpoints.js";
export {
  DEFAULT_PER_RECORD_METRICS,
  type MetricsSection,
  type PerRecordMetricsSection,
} from "./metrics-section.js";
export { resolveConfig } from "./resolve-config.js";
export { DB_PASSWORD_FILE_KEY, DB_URL_VARIABLE, type DbUrlSource, describeDbUrlSource } from "./secrets.js";
export { DEFAULT_WEB_LISTEN, isLoopbackHost, type WebSection } from "./web-section.js";
