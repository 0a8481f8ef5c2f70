/**
 * The repository contract of the `registrant` table (docs/contracts.md; docs/opensips-behaviour.md §2.1, §11). The row
 * and its key are @uacreg/core's (declared once there) and re-exported here.
 */
import type { RegistrantKey, RegistrantRow } from "@uacreg/core";

export type { RegistrantKey, RegistrantRow } from "@uacreg/core";

/** Read and write access to the `registrant` table. */
export interface RegistrantRepository {
  /** Every row, in id order, fetched page by page (keyset pagination); never holds the whole result. */
  loadAll(): AsyncIterable<RegistrantRow>;
  /**
   * The same rows as {@link loadAll}, one page (the repository's page size) per step: a loader of 1,000,000 rows
   * pays one async step per page instead of one per row (docs/performance-startup.md). Optional: a consumer falls
   * back to `loadAll`.
   */
  loadPages?(): AsyncIterable<readonly RegistrantRow[]>;
  findOne(key: RegistrantKey): Promise<RegistrantRow | undefined>;
  updateState(key: RegistrantKey, state: number): Promise<void>;
  /** Throws DuplicateKeyError when the key exists. */
  insert(row: RegistrantRow): Promise<void>;
  upsert(row: RegistrantRow): Promise<void>;
  delete(key: RegistrantKey): Promise<boolean>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Schema administration, used by the daemon at start and by the `uacreg` tool. */
export interface SchemaAdmin {
  /**
   * Creates the `registrant` table (exact §11 types for the engine, the unique index under the OpenSIPS name) and the
   * `version` table with the row (table_name, 3) when absent. A compatible existing table is left as is; a table of
   * another version throws SchemaVersionError and is not touched.
   */
  createSchema(): Promise<void>;
  /** Checks the version row says 3 and every configured column exists; throws SchemaError / SchemaVersionError. */
  checkSchema(): Promise<void>;
  /** Inserts many rows with multi-row INSERTs (bulk import, tests); DuplicateKeyError on a collision. */
  insertMany(rows: Iterable<RegistrantRow>): Promise<void>;
}
