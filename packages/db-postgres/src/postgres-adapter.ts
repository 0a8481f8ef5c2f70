import { type DbAdapter, preloadDriver, SqlRegistrantRepository } from "@uacreg/db";
import { postgresDialect } from "./postgres-dialect.js";

/** Opens `postgres://` and `postgresql://` URLs with pg. */
export const postgresAdapter: DbAdapter = {
  schemes: ["postgres", "postgresql"],
  open: (url, table, options) => SqlRegistrantRepository.open(postgresDialect, url, table, options),
  preload: (url) => preloadDriver(postgresDialect.dataSourceOptions(url)),
};
