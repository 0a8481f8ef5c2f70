export type { DbAdapter, OpenedDatabase } from "./db-adapter.js";
export {
  CLUSTER_CHANNEL,
  type ClusterColumn,
  type ClusterDdlStyle,
  type ClusterSqlDialect,
  clusterTableDdl,
  createIfNotExists,
  onConflictUpsert,
  type ClusterSubscription,
  type ClusterTable,
} from "./cluster-dialect.js";
export { CLUSTER_TABLES, DIALOG_TABLE, dialogRecordKey, LEASE_TABLE, NODE_TABLE } from "./cluster-tables.js";
export { type BoundStatement, type LeaseStatements, leaseStatements } from "./lease-statements.js";
export {
  type ClusterDatabase,
  type LeaseNotifier,
  type LeaseStoreOptions,
  type LeaseStoreSource,
  SqlLeaseStore,
} from "./sql-lease-store.js";
export { openRepository } from "./db-adapter.js";
export { preloadDriver } from "./typeorm-module.js";
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
  type DirectConnection,
  type RepositoryOptions,
  type RetryPolicy,
  registrantRowOfValues,
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
export {
  type BulkImport,
  existingRowsSql,
  type ImportOutcome,
  supportsBulkImport,
  updateByIdSql,
  valueTuples,
} from "./registrant-bulk-upsert.js";
export { MissingTableError } from "./missing-table-error.js";
