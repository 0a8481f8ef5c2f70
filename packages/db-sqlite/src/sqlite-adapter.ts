import { type DbAdapter, SqlRegistrantRepository } from "@uacreg/db";
import { sqliteDialect } from "./sqlite-dialect.js";

/** Opens `sqlite://…` URLs with better-sqlite3. */
export const sqliteAdapter: DbAdapter = {
  schemes: ["sqlite"],
  open: (url, table, options) => SqlRegistrantRepository.open(sqliteDialect, url, table, options),
};
