import { describe, expect, it } from "vitest";
import { bucketOf, hash32, rendezvousOwner, unitOfRecord } from "./bucket-hash.js";

describe("hash32 (FNV-1a + murmur3 fmix32 over UTF-8)", () => {
  it("gives the same values as an independent implementation, so every node picks the same bucket", () => {
    // Computed with a separate Python implementation of the same definition.
    expect(hash32("")).toBe(2872998923);
    expect(hash32("a")).toBe(444641715);
    expect(hash32("é€😀")).toBe(4040569024);
    expect(hash32("sip:josé@example.com")).toBe(737723923); // ASCII, then UTF-8
    expect(hash32("sip:alice@example.com\0sip:alice@192.0.2.1\0sip:registrar.example.com")).toBe(1628786362);
  });
});

describe("bucketOf", () => {
  it("hashes aor, binding and registrar joined by NUL, mod the bucket count", () => {
    expect(bucketOf("sip:alice@example.com", "sip:alice@192.0.2.1", "sip:registrar.example.com", 256)).toBe(186);
    // The separator keeps "ab"+"c" apart from "a"+"bc".
    expect(hash32("ab\0c\0r")).not.toBe(hash32("a\0bc\0r"));
  });

  it("spreads records evenly over the buckets", () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 25_600; i++) {
      const b = bucketOf(`sip:user${i}@example.com`, `sip:user${i}@192.0.2.1:5060`, "sip:registrar.example.com", 256);
      counts[b] = (counts[b] ?? 0) + 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(160);
  });
});

describe("unitOfRecord", () => {
  const key = { aor: "sip:alice@example.com", contact: "sip:alice@192.0.2.1", registrar: "sip:registrar.example.com" };

  it("a tagged record belongs to its tag's unit, an untagged one to its bucket", () => {
    expect(unitOfRecord({ ...key, tag: { name: "vip", clusterId: 1 } }, { buckets: 256, untagged: "shard" })).toBe(
      "tag:vip/1",
    );
    expect(unitOfRecord(key, { buckets: 256, untagged: "shard" })).toBe("bucket:186");
  });

  it("untagged: all leaves untagged records to every node; cluster id 0 counts as untagged", () => {
    expect(unitOfRecord(key, { buckets: 256, untagged: "all" })).toBeUndefined();
    expect(unitOfRecord({ ...key, tag: { name: "vip", clusterId: 0 } }, { buckets: 16, untagged: "shard" })).toMatch(
      /^bucket:\d+$/,
    );
  });
});

describe("rendezvousOwner", () => {
  const units = Array.from({ length: 1000 }, (_, i) => `bucket:${i}`);

  it("moves only about 1/(N+1) of the units when a node joins, all to the new node", () => {
    const before = units.map((u) => rendezvousOwner(u, ["a", "b", "c"]));
    const after = units.map((u) => rendezvousOwner(u, ["a", "b", "c", "d"]));
    const moved = units.filter((_, i) => before[i] !== after[i]);
    expect(moved.every((u) => rendezvousOwner(u, ["a", "b", "c", "d"]) === "d")).toBe(true);
    expect(moved.length).toBeGreaterThan(200);
    expect(moved.length).toBeLessThan(300);
  });

  it("moves only the leaver's units when a node leaves, and ignores the order of the nodes", () => {
    const before = units.map((u) => rendezvousOwner(u, ["a", "b", "c"]));
    const after = units.map((u) => rendezvousOwner(u, ["c", "a"]));
    units.forEach((_, i) => {
      if (before[i] !== "b") expect(after[i]).toBe(before[i]);
    });
    expect(rendezvousOwner("bucket:1", [])).toBeUndefined();
  });
});
