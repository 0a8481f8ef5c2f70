export { sqliteAdapter } from "./sqlite-adapter.js";
export { sqliteDialect, sqliteRegistrantDdl } from "./sqlite-dialect.js";
