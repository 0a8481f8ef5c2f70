// The engine benches' record store: the rows of an array, every write accepted and dropped (the benches measure the
// engine and the transport, not a database). Shared by engine.bench.mjs, refresh-alloc.bench.mjs and
// record-memory.bench.mjs.
export class ArrayRepository {
  constructor(rows) {
    this.rows = rows;
  }
  async *loadAll() {
    for (const r of this.rows) yield r;
  }
  async findOne() {
    return undefined;
  }
  async updateState() {}
  async insert() {}
  async upsert() {}
  async delete() {
    return false;
  }
  async count() {
    return this.rows.length;
  }
  async close() {}
}
