import type { RegistrantKey, RegistrantRow } from "@uacreg/core";
import type { RegistrantStore } from "../registrant-store.js";

const keyOf = (r: RegistrantRow) => `${r.aor}\u0000${r.binding_URI}\u0000${r.registrar}`;
const keyText = (k: RegistrantKey) => `${k.aor}\u0000${k.contact}\u0000${k.registrar}`;

/** An in-memory registrant table for the engine's tests: rows in insertion order, state writes recorded. */
export class MemoryRepository implements RegistrantStore {
  readonly rows: RegistrantRow[];
  readonly stateWrites: Array<{ key: RegistrantKey; state: number }> = [];
  /** Make updateState fail (the engine must log and go on). */
  failWrites = false;

  constructor(rows: RegistrantRow[] = []) {
    this.rows = rows.map((r) => ({ ...r }));
  }

  async *loadAll(): AsyncIterable<RegistrantRow> {
    for (const row of [...this.rows]) yield { ...row };
  }

  async findOne(key: RegistrantKey): Promise<RegistrantRow | undefined> {
    const row = this.rows.find((r) => keyOf(r) === keyText(key));
    return row === undefined ? undefined : { ...row };
  }

  async updateState(key: RegistrantKey, state: number): Promise<void> {
    if (this.failWrites) throw new Error("database is down");
    this.stateWrites.push({ key, state });
    const row = this.rows.find((r) => keyOf(r) === keyText(key));
    if (row !== undefined) row.state = state;
  }
}
