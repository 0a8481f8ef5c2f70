export { mssqlAdapter } from "./mssql-adapter.js";
export { mssqlDialect, mssqlRegistrantDdl } from "./mssql-dialect.js";
