/**
 * The three cluster tables of docs/cluster.md §2, beside the registrant table and never inside it: node sessions,
 * one lease row per unit of ownership, and the dialog marks that keep a record's Call-ID and CSeq across owners (§4).
 * Names are fixed: every node of a cluster must find the same tables, and none collides with an OpenSIPS table.
 */
import { createHash } from "node:crypto";
import { keyIdentity, type RegistrantKey } from "@uacreg/core";
import type { ClusterTable } from "./cluster-dialect.js";

/** Length of node names, incarnations and preferred names (characters). */
const NAME = 128;
/** Length of unit names: `tag:<name>/<cluster_id>` or `bucket:<n>` (docs/cluster.md §5). */
const UNIT = 255;

/** `uacreg_node`: one row per node session (docs/cluster.md §3.1). */
export const NODE_TABLE: ClusterTable = {
  name: "uacreg_node",
  columns: [
    { name: "name", kind: "key", length: NAME },
    { name: "incarnation", kind: "key", length: NAME },
    { name: "address", kind: "text", length: 255 },
    { name: "expires_at", kind: "time" },
    // 1 while `cluster_drain` runs: a member, never a wanted owner (docs/cluster.md §3.5).
    { name: "draining", kind: "integer" },
  ],
  primaryKey: "name",
  indexes: [],
};

/** `uacreg_lease`: one row per unit; `owner`/`owner_incarnation` NULL when free (docs/cluster.md §3.4). */
export const LEASE_TABLE: ClusterTable = {
  name: "uacreg_lease",
  columns: [
    { name: "unit", kind: "key", length: UNIT },
    { name: "owner", kind: "key", length: NAME, nullable: true },
    { name: "owner_incarnation", kind: "key", length: NAME, nullable: true },
    { name: "epoch", kind: "integer" },
    { name: "preferred", kind: "key", length: NAME, nullable: true },
  ],
  primaryKey: "unit",
  indexes: [],
};

/** `uacreg_dialog`: the registration identity of a record, keyed by {@link dialogRecordKey} (docs/cluster.md §4). */
export const DIALOG_TABLE: ClusterTable = {
  name: "uacreg_dialog",
  columns: [
    { name: "record_key", kind: "key", length: 64 },
    { name: "unit", kind: "key", length: UNIT },
    { name: "aor", kind: "text", length: 255 },
    { name: "binding_uri", kind: "text", length: 255 },
    { name: "registrar", kind: "text", length: 255 },
    { name: "call_id", kind: "text", length: 255 },
    { name: "from_tag", kind: "text", length: 128 },
    { name: "cseq_mark", kind: "integer" },
    { name: "epoch", kind: "integer" },
  ],
  primaryKey: "record_key",
  indexes: [{ name: "uacreg_dialog_unit_idx", column: "unit" }],
};

/** The cluster tables in creation order. */
export const CLUSTER_TABLES: readonly ClusterTable[] = [NODE_TABLE, LEASE_TABLE, DIALOG_TABLE];

/**
 * The primary key of a record's dialog row: SHA-256 (hex) of aor, binding URI and registrar joined by NUL
 * (docs/cluster.md §2), fixed-width on every engine however long the URIs; NUL cannot occur in a SIP URI.
 */
export function dialogRecordKey(key: RegistrantKey): string {
  return createHash("sha256").update(keyIdentity(key), "utf8").digest("hex");
}
