import type { RegistrantKey, RegistrantRow } from "@uacreg/core";

/**
 * The record store the engine loads from and writes states to (contracts.md). Implemented by @uacreg/db; declared
 * here structurally so the engine does not depend on the database packages.
 */
export interface RegistrantRepository {
  /** Streamed/paged; never holds the whole result twice. */
  loadAll(): AsyncIterable<RegistrantRow>;
  findOne(key: RegistrantKey): Promise<RegistrantRow | undefined>;
  /** `UPDATE … SET state=? WHERE aor=? AND binding_URI=? AND registrar=?` (reference §9). */
  updateState(key: RegistrantKey, state: number): Promise<void>;
  insert(row: RegistrantRow): Promise<void>;
  upsert(row: RegistrantRow): Promise<void>;
  delete(key: RegistrantKey): Promise<boolean>;
  count(): Promise<number>;
  close(): Promise<void>;
}
