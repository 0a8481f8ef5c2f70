import type { RegistrantKey, RegistrantRow } from "@uacreg/core";
import type { RegistrantRepository } from "../registrant-repository.js";

const keyOf = (r: RegistrantRow) => `${r.aor}\u0000${r.binding_URI}\u0000${r.registrar}`;
const keyText = (k: RegistrantKey) => `${k.aor}\u0000${k.contact}\u0000${k.registrar}`;

/** An in-memory registrant table for the engine's tests: rows in insertion order, state writes recorded. */
export class MemoryRepository implements RegistrantRepository {
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

  async insert(row: RegistrantRow): Promise<void> {
    if (this.rows.some((r) => keyOf(r) === keyOf(row))) throw new Error("duplicate key");
    this.rows.push({ ...row });
  }

  async upsert(row: RegistrantRow): Promise<void> {
    const i = this.rows.findIndex((r) => keyOf(r) === keyOf(row));
    if (i >= 0) this.rows[i] = { ...row };
    else this.rows.push({ ...row });
  }

  async delete(key: RegistrantKey): Promise<boolean> {
    const i = this.rows.findIndex((r) => keyOf(r) === keyText(key));
    if (i < 0) return false;
    this.rows.splice(i, 1);
    return true;
  }

  async count(): Promise<number> {
    return this.rows.length;
  }

  async close(): Promise<void> {}
}
