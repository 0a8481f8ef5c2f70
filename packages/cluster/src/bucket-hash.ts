import { keyIdentity, type SharingTag } from "@uacreg/core";
import { unitOfBucket, unitOfTag } from "./lease-store.js";
import { sharingTagName } from "./sharing-tag-name.js";

const UTF8 = new TextEncoder();

/** FNV-1a over the UTF-8 bytes, finished by murmur3's fmix32: the same 32 bits on every node and platform. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      // Not ASCII: hash the UTF-8 bytes of the rest (ASCII is its own UTF-8).
      for (const byte of UTF8.encode(text.slice(i))) {
        h ^= byte;
        h = Math.imul(h, 0x01000193);
      }
      break;
    }
    h ^= code;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hash bucket of an untagged record (docs/cluster.md §5): hash(aor, binding_URI, registrar) mod `buckets`, the
 * three strings joined with NUL, the same on every node.
 */
export function bucketOf(aor: string, binding: string, registrar: string, buckets: number): number {
  return hash32(keyIdentity({ aor, contact: binding, registrar })) % buckets;
}

/** What {@link unitOfRecord} reads of a record: its key and its parsed `cluster_shtag`. */
export interface RecordUnitInput {
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
  readonly tag?: SharingTag | undefined;
}

/** Options of {@link unitOfRecord} (configuration `cluster.buckets`, `cluster.untagged`). */
export interface UnitOptions {
  /** Number of bucket units for untagged records (default 256). */
  readonly buckets: number;
  /** `shard`: untagged records are spread over bucket units; `all`: every node registers them (OpenSIPS). */
  readonly untagged: "shard" | "all";
}

/**
 * The lease unit a record belongs to (docs/cluster.md §5): its sharing tag's unit, else its bucket's unit, or
 * undefined for an untagged record with `untagged: all` (registered by every node, as OpenSIPS does). A tag with
 * cluster id 0 counts as no tag (docs/opensips-behaviour.md §7).
 */
export function unitOfRecord(record: RecordUnitInput, options: UnitOptions): string | undefined {
  if (record.tag !== undefined && record.tag.clusterId > 0) return unitOfTag(sharingTagName(record.tag));
  if (options.untagged === "all") return undefined;
  return unitOfBucket(bucketOf(record.aor, record.contact, record.registrar, options.buckets));
}

/** The rendezvous (highest-random-weight) weight of a node for a unit (docs/cluster.md §3.5). */
export function rendezvousWeight(unit: string, node: string): number {
  return hash32(`${unit}\0${node}`);
}

/**
 * The node with the highest {@link rendezvousWeight} for `unit` among `nodes` (ties: the smaller name), or undefined
 * when there is none. A node joining takes about 1/(N+1) of the units; a node leaving moves only its own.
 */
export function rendezvousOwner(unit: string, nodes: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const node of nodes) {
    const w = rendezvousWeight(unit, node);
    if (w > bestWeight || (w === bestWeight && best !== undefined && node < best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}
