import { describe, expect, it } from "vitest";
import { coreHash } from "./core-hash.js";
import { RegistrantTable } from "./registrant-table.js";
import { DuplicateRecordError, SchedulerConfigError } from "./scheduler-config-error.js";

interface Rec {
  aor: string;
  contact: string;
  registrar: string;
  n: number;
}
const rec = (aor: string, n: number, contact = `sip:c${n}@127.0.0.1`, registrar = "sip:reg.test"): Rec => ({
  aor,
  contact,
  registrar,
  n,
});

describe("the registrant table (docs/opensips-behaviour.md §2.3)", () => {
  it("places a record in bucket core_hash(AOR) & (H−1)", () => {
    const table = new RegistrantTable<Rec>(10);
    for (const aor of ["sip:alice@reg.test", "sip:bob@example.com", "sip:zoë@example.com"]) {
      const b = table.insert(rec(aor, 1), rec(aor, 1));
      expect(b).toBe(coreHash(aor) & 1023);
      expect([...table.bucket(b)].map((r) => r.aor)).toContain(aor);
    }
    expect(table.bucketCount).toBe(1024);
  });

  it("finds and removes by the full key, not by (contact, registrar) alone", () => {
    const table = new RegistrantTable<Rec>(1);
    // Same contact and registrar, different AORs in the same bucket: distinct records (docs/decisions.md).
    const a = rec("sip:alice@reg.test", 1, "sip:x@127.0.0.1");
    const b = rec("sip:abcd", 2, "sip:x@127.0.0.1");
    expect(table.bucketOf(a.aor)).toBe(table.bucketOf(b.aor));
    table.insert(a, a);
    table.insert(b, b);
    expect(table.get(a)?.n).toBe(1);
    expect(table.get(b)?.n).toBe(2);
    expect(table.get({ aor: "sip:carol@reg.test", contact: a.contact, registrar: a.registrar })).toBeUndefined();
    expect(table.remove(a)?.n).toBe(1);
    expect(table.get(a)).toBeUndefined();
    expect(table.remove(a)).toBeUndefined();
    expect(table.get(b)?.n).toBe(2);
    expect(table.size).toBe(1);
  });

  it("refuses a duplicate key on insert and replaces in place on set", () => {
    const table = new RegistrantTable<Rec>(1);
    const recs = [1, 2, 3].map((n) => rec("sip:alice@reg.test", n));
    for (const r of recs) table.insert(r, r);
    expect(() => table.insert(recs[1] as Rec, recs[1] as Rec)).toThrow(DuplicateRecordError);
    const replacement = { ...(recs[1] as Rec), n: 20 };
    expect(table.set(replacement, replacement)?.n).toBe(2);
    expect([...table.bucket(0)].map((r) => r.n)).toEqual([1, 20, 3]);
    const added = rec("sip:alice@reg.test", 4);
    expect(table.set(added, added)).toBeUndefined();
    expect([...table.bucket(0)].map((r) => r.n)).toEqual([1, 20, 3, 4]);
  });

  it("iterates a bucket in insertion order and everything in bucket order", () => {
    const table = new RegistrantTable<Rec>(2);
    const aors = Array.from({ length: 40 }, (_, i) => `sip:user${i}@example.com`);
    aors.forEach((aor, i) => {
      table.insert(rec(aor, i), rec(aor, i));
    });
    const all = [...table.values()];
    expect(all).toHaveLength(40);
    const buckets = all.map((r) => table.bucketOf(r.aor));
    expect(buckets).toEqual([...buckets].sort((x, y) => x - y));
    for (let b = 0; b < 4; b++) {
      const ns = [...table.bucket(b)].map((r) => r.n);
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
      expect(table.bucketSize(b)).toBe(ns.length);
    }
  });

  it("keeps iterating when records are removed during the iteration", () => {
    const table = new RegistrantTable<Rec>(1);
    const recs = [0, 1, 2, 3, 4, 5].map((n) => rec("sip:alice@reg.test", n));
    for (const r of recs) table.insert(r, r);
    const seen: number[] = [];
    for (const r of table.bucket(0)) {
      seen.push(r.n);
      if (r.n === 1) {
        table.remove(r); // the current one
        table.remove(recs[2] as Rec); // the next one
      }
      if (r.n === 3) table.remove(recs[0] as Rec); // one already visited
    }
    expect(seen).toEqual([0, 1, 3, 4, 5]);
    expect([...table.bucket(0)].map((r) => r.n)).toEqual([3, 4, 5]);
    table.clear();
    expect(table.size).toBe(0);
    expect([...table.values()]).toEqual([]);
  });

  it("removes the head and the tail cleanly", () => {
    const table = new RegistrantTable<Rec>(1);
    const recs = [0, 1, 2].map((n) => rec("sip:alice@reg.test", n));
    for (const r of recs) table.insert(r, r);
    table.remove(recs[0] as Rec);
    table.remove(recs[2] as Rec);
    expect([...table.bucket(0)].map((r) => r.n)).toEqual([1]);
    const again = rec("sip:alice@reg.test", 7);
    table.insert(again, again);
    expect([...table.bucket(0)].map((r) => r.n)).toEqual([1, 7]);
  });

  it("tells apart keys whose index hashes collide", () => {
    // These two contacts (with this AOR and registrar) collide in the table's 30-bit key hash.
    const table = new RegistrantTable<Rec>(1);
    const a = rec("sip:alice@reg.test", 11331);
    const b = rec("sip:alice@reg.test", 13329);
    const c = rec("sip:alice@reg.test", 5);
    for (const r of [a, b, c]) table.insert(r, r);
    expect(() => table.insert(b, b)).toThrow(DuplicateRecordError);
    expect(table.get(a)?.n).toBe(11331);
    expect(table.get(b)?.n).toBe(13329);
    expect(table.remove(a)?.n).toBe(11331);
    expect(table.get(a)).toBeUndefined();
    expect(table.get(b)?.n).toBe(13329);
    table.insert(a, a);
    expect(table.remove(b)?.n).toBe(13329);
    expect(table.get(a)?.n).toBe(11331);
    expect(table.size).toBe(2);
  });

  it("refuses a hash_size outside 1..20", () => {
    expect(() => new RegistrantTable<Rec>(0)).toThrow(SchedulerConfigError);
    expect(() => new RegistrantTable<Rec>(21)).toThrow(SchedulerConfigError);
  });
});
