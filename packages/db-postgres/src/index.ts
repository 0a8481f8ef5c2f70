export { postgresAdapter } from "./postgres-adapter.js";
export { postgresDialect, postgresRegistrantDdl } from "./postgres-dialect.js";
