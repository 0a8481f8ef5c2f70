/**
 * The `registrant` row and the repository contract (notes/contracts.md; reference §2.1, §11). Defined structurally
 * here and in @uacreg/core: the two are interchangeable without importing each other.
 */

/** One row of the `registrant` table under its logical column names. Optional strings: NULL and '' both read as null. */
export interface RegistrantRow {
  id?: number;
  registrar: string;
  proxy: string | null;
  aor: string;
  third_party_registrant: string | null;
  username: string | null;
  password: string | null;
  binding_URI: string;
  binding_params: string | null;
  expiry: number | null;
  forced_socket: string | null;
  cluster_shtag: string | null;
  /** 0 = enabled, anything else disabled (reference §2.1). */
  state: number;
}

/** The unique key (aor, binding_URI, registrar); `contact` is the binding URI (reference §2.3). */
export interface RegistrantKey {
  aor: string;
  contact: string;
  registrar: string;
}

/** Read and write access to the `registrant` table. */
export interface RegistrantRepository {
  /** Every row, in id order, fetched page by page (keyset pagination); never holds the whole result. */
  loadAll(): AsyncIterable<RegistrantRow>;
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
