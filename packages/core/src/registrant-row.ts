/**
 * The `registrant` table row (docs/opensips-behaviour.md §11, logical column names) and its unique key, declared once
 * here (docs/contracts.md): @uacreg/db and @uacreg/engine re-export these types.
 */
export interface RegistrantRow {
  id?: number;
  registrar: string;
  proxy: string | null;
  aor: string;
  third_party_registrant: string | null;
  username: string | null;
  password: string | null;
  binding_URI: string;
  binding_params: string | null;
  expiry: number | null;
  forced_socket: string | null;
  cluster_shtag: string | null;
  /** 0 = enabled, any other value disabled (§2.1). */
  state: number;
}

/** The unique key (aor, binding_URI, registrar); `contact` is the binding URI, as MI names it (§2.3, §9). */
export interface RegistrantKey {
  aor: string;
  contact: string;
  registrar: string;
}

/** The key of a row. */
export function rowKey(row: Pick<RegistrantRow, "aor" | "binding_URI" | "registrar">): RegistrantKey {
  return { aor: row.aor, contact: row.binding_URI, registrar: row.registrar };
}

/**
 * The key as one string: aor, binding URI and registrar joined by NUL, which cannot occur in a SIP URI, so two keys
 * give the same string only when they are equal. The one form for map keys and for hashing a record's identity (the
 * cluster's bucket and dialog-row key, docs/cluster.md §2, §5).
 */
export function keyIdentity(key: RegistrantKey): string {
  return `${key.aor}\0${key.contact}\0${key.registrar}`;
}

/** `aor=<AOR>;contact=<binding>;registrar=<registrar>`, the identifier OpenSIPS uses in status reports (§6). */
export function formatKey(key: RegistrantKey): string {
  return `aor=${key.aor};contact=${key.contact};registrar=${key.registrar}`;
}
