import { type DbAdapter, preloadDriver, SqlRegistrantRepository } from "@uacreg/db";
import { mssqlDialect } from "./mssql-dialect.js";

/** Opens `mssql://` and `sqlserver://` URLs with mssql (tedious). */
export const mssqlAdapter: DbAdapter = {
  schemes: ["mssql", "sqlserver"],
  open: (url, table, options) => SqlRegistrantRepository.open(mssqlDialect, url, table, options),
  preload: (url) => preloadDriver(mssqlDialect.dataSourceOptions(url)),
};
