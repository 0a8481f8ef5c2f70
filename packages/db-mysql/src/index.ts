export { mysqlAdapter } from "./mysql-adapter.js";
export { mysqlDialect, mysqlRegistrantDdl } from "./mysql-dialect.js";
