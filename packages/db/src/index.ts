export type { DbAdapter } from "./db-adapter.js";
export { openRepository } from "./db-adapter.js";
export {
  DataError,
  DbAuthenticationError,
  DbConnectionError,
  DbError,
  type DbErrorKind,
  DbUrlError,
  dbErrorOf,
  DuplicateKeyError,
  SchemaError,
  SchemaVersionError,
  MissingColumnsError,
  TableConfigError,
} from "./db-errors.js";
export { type DbEngine, maskDbUrl, type ParsedDbUrl, parseDbUrl } from "./db-url.js";
export { registrantEntitySchema } from "./registrant-entity-schema.js";
export type { RegistrantKey, RegistrantRepository, RegistrantRow, SchemaAdmin } from "./registrant-row.js";
export { type ClassifiedError, checkUrlOptions, type SqlDialect, type StoredTable } from "./sql-dialect.js";
export type { Logger } from "@uacreg/runtime";
export {
  maskSecret,
  type RepositoryOptions,
  type RetryPolicy,
  SqlRegistrantRepository,
  toRegistrantRow,
} from "./sql-registrant-repository.js";
export {
  defaultTableConfig,
  REGISTRANT_COLUMNS,
  REGISTRANT_TABLE_VERSION,
  type RegistrantColumn,
  resolveTableConfig,
  type TableConfig,
} from "./table-config.js";
export { registrantQueries, rowValues } from "./registrant-queries.js";
