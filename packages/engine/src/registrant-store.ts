import type { RegistrantKey, RegistrantRow } from "@uacreg/core";

/**
 * What the engine uses of the record store (docs/contracts.md): read every row, read one, write the `state` column.
 * @uacreg/db's repository implements it structurally; the daemon wires it, tests use an in-memory one.
 */
export interface RegistrantStore {
  /** Every row, streamed or paged: never holds the whole result twice. */
  loadAll(): AsyncIterable<RegistrantRow>;
  /**
   * Optional: the same rows as {@link loadAll}, a page per step (one async step per page instead of one per row:
   * ~0.4 µs per row of a 1,000,000-row load, docs/performance-startup.md). The loader prefers it when present.
   */
  loadPages?(): AsyncIterable<readonly RegistrantRow[]>;
  /**
   * Optional: how many rows the table holds (@uacreg/db's repository has it). A first load asks it once to size the
   * record table's key index for every row at once instead of doubling it while the rows come in
   * (docs/performance-startup.md); a failure or a wrong count only changes that sizing.
   */
  count?(): Promise<number>;
  findOne(key: RegistrantKey): Promise<RegistrantRow | undefined>;
  /** `UPDATE … SET state=? WHERE aor=? AND binding_URI=? AND registrar=?` (docs/opensips-behaviour.md §9). */
  updateState(key: RegistrantKey, state: number): Promise<void>;
}
