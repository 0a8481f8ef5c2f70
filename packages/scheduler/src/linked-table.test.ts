import { describe, expect, it } from "vitest";
import { coreHash } from "./core-hash.js";
import { LinkedRegistrantTable, TableEntry } from "./linked-table.js";
import { DuplicateRecordError } from "./scheduler-config-error.js";

class Rec extends TableEntry {
  readonly key: { aor: string; contact: string; registrar: string };
  constructor(
    aor: string,
    readonly n: number,
    contact = `sip:c${n}@127.0.0.1`,
  ) {
    super();
    this.key = { aor, contact, registrar: "sip:reg.test" };
  }
}
const table = (hashSize = 1) => new LinkedRegistrantTable<Rec>(hashSize, (r) => r.key);

describe("the linked registrant table (records carry their own links)", () => {
  it("places a record in bucket core_hash(AOR) & (H−1) and finds it by the full key", () => {
    const t = table(10);
    const r = new Rec("sip:alice@reg.test", 1);
    expect(t.insert(r)).toBe(coreHash("sip:alice@reg.test") & 1023);
    expect(t.get({ ...r.key })).toBe(r);
    expect(t.has({ ...r.key, aor: "sip:bob@reg.test" })).toBe(false);
    expect(t.size).toBe(1);
  });

  it("refuses a duplicate key and a record that is already linked", () => {
    const t = table();
    const r = new Rec("sip:alice@reg.test", 1);
    t.insert(r);
    expect(() => t.insert(new Rec("sip:alice@reg.test", 1))).toThrow(DuplicateRecordError);
    expect(() => table().insert(r)).toThrow(/already in a table/);
  });

  it("chains keys whose index hashes collide", () => {
    const t = table();
    const a = new Rec("sip:alice@reg.test", 11331);
    const b = new Rec("sip:alice@reg.test", 13329);
    t.insert(a);
    t.insert(b);
    expect(t.get(a.key)).toBe(a);
    expect(t.get(b.key)).toBe(b);
    expect(t.remove(a.key)).toBe(a);
    expect(t.get(b.key)).toBe(b);
    expect(t.get(a.key)).toBeUndefined();
    t.insert(a);
    expect(t.remove(b.key)).toBe(b);
    expect(t.get(a.key)).toBe(a);
  });

  it("finds every record and only those while its key index grows, with removals and clear in between", () => {
    const t = table(4);
    const recs = Array.from({ length: 5000 }, (_, i) => new Rec(`sip:u${i}@reg.test`, i));
    for (const r of recs.slice(0, 2500)) t.insert(r);
    for (let i = 0; i < 2500; i += 3) t.remove(recs[i]?.key as Rec["key"]);
    for (const r of recs.slice(2500)) t.insert(r);
    const gone = (i: number) => i < 2500 && i % 3 === 0;
    expect(t.size).toBe(5000 - 834);
    for (const [i, r] of recs.entries()) expect(t.get({ ...r.key })).toBe(gone(i) ? undefined : r);
    // A removed record can come back; clear empties the index too.
    t.insert(recs[0] as Rec);
    expect(t.get({ ...(recs[0] as Rec).key })).toBe(recs[0]);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.get({ ...(recs[4999] as Rec).key })).toBeUndefined();
    t.insert(recs[4999] as Rec);
    expect(t.get({ ...(recs[4999] as Rec).key })).toBe(recs[4999]);
  });

  it("reserve sizes the key index ahead of a load: the same records found, order and duplicates as without", () => {
    const recs = Array.from({ length: 3000 }, (_, i) => new Rec(`sip:u${i % 700}@reg.test`, i));
    const plain = table(3);
    const reserved = table(3);
    reserved.reserve(Number.NaN);
    reserved.reserve(-5);
    reserved.reserve(0);
    reserved.reserve(2000); // fewer than inserted: the index still grows past it
    for (const r of recs) {
      plain.insert(r);
      reserved.insert(new Rec(r.key.aor, r.n, r.key.contact));
    }
    reserved.reserve(10); // never shrinks
    expect(reserved.size).toBe(3000);
    for (let b = 0; b < plain.bucketCount; b++) {
      expect([...reserved.bucket(b)].map((r) => r.n)).toEqual([...plain.bucket(b)].map((r) => r.n));
    }
    for (const r of recs) expect(reserved.get({ ...r.key })?.n).toBe(r.n);
    expect(() => reserved.insert(new Rec("sip:u1@reg.test", 1))).toThrow(DuplicateRecordError);
    const big = table(1);
    big.reserve(100_000);
    for (const r of recs) big.insert(new Rec(r.key.aor, r.n, r.key.contact));
    expect(big.get({ ...(recs[2999] as Rec).key })?.n).toBe(2999);
    expect(big.remove({ ...(recs[5] as Rec).key })?.n).toBe(5);
    expect(big.get({ ...(recs[5] as Rec).key })).toBeUndefined();
  });

  it("a reserved index of any length, filled to its bound, finds every record and only those through removals", () => {
    // 1,500 reserved: an index of 2,024 slots (not a power of two), filled to ¾ so probes run long and wrap around.
    const t = table(2);
    t.reserve(1500);
    const recs = Array.from({ length: 1500 }, (_, i) => new Rec(`sip:w${i}@reg.test`, i));
    for (const r of recs) t.insert(r);
    const present = new Set(recs);
    for (let round = 0; round < 3; round++) {
      for (let i = round; i < recs.length; i += 4 + round) {
        const r = recs[i] as Rec;
        if (present.has(r)) {
          expect(t.remove({ ...r.key })).toBe(r);
          present.delete(r);
        } else {
          t.insert(r);
          present.add(r);
        }
      }
      expect(t.size).toBe(present.size);
      for (const r of recs) expect(t.get({ ...r.key })).toBe(present.has(r) ? r : undefined);
    }
  });

  it("tells apart keys that share two of their three strings, asked one after the other", () => {
    const t = table();
    const a = new Rec("sip:alice@reg.test", 1, "sip:c@127.0.0.1");
    t.insert(a);
    const aor = "sip:alice@reg.test";
    const contact = "sip:c@127.0.0.1";
    expect(t.get({ aor, contact, registrar: "sip:reg.test" })).toBe(a);
    expect(t.get({ aor, contact, registrar: "sip:other.test" })).toBeUndefined();
    expect(t.get({ aor, contact: "sip:d@127.0.0.1", registrar: "sip:reg.test" })).toBeUndefined();
    expect(t.get({ aor: "sip:bob@reg.test", contact, registrar: "sip:reg.test" })).toBeUndefined();
    expect(t.get({ aor, contact, registrar: "sip:reg.test" })).toBe(a);
  });

  it("iterates in insertion order, safe against removals during the iteration", () => {
    const t = table();
    const recs = [0, 1, 2, 3, 4].map((n) => new Rec("sip:alice@reg.test", n));
    for (const r of recs) t.insert(r);
    const seen: number[] = [];
    for (const r of t.bucket(0)) {
      seen.push(r.n);
      if (r.n === 1) {
        t.remove(r.key);
        t.remove((recs[2] as Rec).key);
      }
    }
    expect(seen).toEqual([0, 1, 3, 4]);
    expect([...t.values()].map((r) => r.n)).toEqual([0, 3, 4]);
    expect(t.bucketSize(0)).toBe(3);
    t.clear();
    expect(t.size).toBe(0);
    expect([...t.values()]).toEqual([]);
    t.insert(recs[1] as Rec);
    expect([...t.bucket(0)].map((r) => r.n)).toEqual([1]);
  });

  it("forEachInBucket visits in order; records removed ahead of the visit are skipped, the others are not", () => {
    const t = table();
    const recs = Array.from({ length: 100 }, (_, n) => new Rec("sip:alice@reg.test", n));
    for (const r of recs) t.insert(r);
    const seen: number[] = [];
    const visit = (r: Rec) => {
      seen.push(r.n);
      // At record 10, remove 80 records ahead of the walk except the multiples of 10.
      if (r.n === 10) for (const o of recs) if (o.n > 10 && o.n % 10 !== 0) t.remove(o.key);
    };
    t.forEachInBucket(0, visit);
    expect(seen).toEqual([...Array.from({ length: 11 }, (_, i) => i), 20, 30, 40, 50, 60, 70, 80, 90]);
    // The same through the generator; removing the head afterwards keeps the order.
    expect([...t.bucket(0)].map((r) => r.n)).toEqual([
      ...Array.from({ length: 11 }, (_, i) => i),
      20,
      30,
      40,
      50,
      60,
      70,
      80,
      90,
    ]);
    t.remove((recs[0] as Rec).key);
    expect([...t.values()].map((r) => r.n)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i + 1),
      20,
      30,
      40,
      50,
      60,
      70,
      80,
      90,
    ]);
    expect(t.bucketSize(0)).toBe(18);
  });

  it("forEachInBucket goes on after the visit removes the record it stands on", () => {
    const t = table();
    const recs = [0, 1, 2, 3].map((n) => new Rec("sip:alice@reg.test", n));
    for (const r of recs) t.insert(r);
    const seen: number[] = [];
    t.forEachInBucket(0, (r) => {
      seen.push(r.n);
      if (r.n === 1) t.remove(r.key);
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect([...t.bucket(0)].map((r) => r.n)).toEqual([0, 2, 3]);
  });
});
