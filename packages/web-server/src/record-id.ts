/**
 * The `id` of a record in the web API (docs/web-api.md §2): base64url without padding of {@link keyIdentity}, the
 * NUL-joined aor/contact/registrar. Opaque to clients, stable across restarts, and decodable without a lookup table.
 */
import { keyIdentity, type RegistrantKey } from "@uacreg/core";

/** The API id of `key`. */
export function recordId(key: RegistrantKey): string {
  return Buffer.from(keyIdentity(key), "utf8").toString("base64url");
}

/** The key an id names, or undefined when the id is not one {@link recordId} makes. */
export function keyOfRecordId(id: string): RegistrantKey | undefined {
  if (id.length === 0 || id.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const text = Buffer.from(id, "base64url").toString("utf8");
  const parts = text.split("\0");
  if (parts.length !== 3) return undefined;
  const [aor, contact, registrar] = parts as [string, string, string];
  if (aor === "" || contact === "" || registrar === "") return undefined;
  // A round trip must give the same id: rejects ids with stray bits and invalid UTF-8.
  const key = { aor, contact, registrar };
  return recordId(key) === id ? key : undefined;
}
