import { type DbAdapter, preloadDriver, SqlRegistrantRepository } from "@uacreg/db";
import { mysqlDialect } from "./mysql-dialect.js";

/** Opens `mysql://` and `mariadb://` URLs with mysql2. */
export const mysqlAdapter: DbAdapter = {
  schemes: ["mysql", "mariadb"],
  open: (url, table, options) => SqlRegistrantRepository.open(mysqlDialect, url, table, options),
  preload: (url) => preloadDriver(mysqlDialect.dataSourceOptions(url)),
};
