/**
 * The TypeORM EntitySchema of the `registrant` table, built at run time from the stored names
 * (docs/opensips-behaviour.md §11): `table_name` and every `*_column` are data, not code. TypeORM is loaded here,
 * on first use (typeorm-module.ts).
 */
import type { EntitySchema } from "typeorm";
import type { RegistrantRow } from "./registrant-row.js";
import type { StoredTable } from "./sql-dialect.js";
import { typeorm } from "./typeorm-module.js";

/** Builds the entity for one table; `id` keeps its fixed name (OpenSIPS has no `id_column`). */
export function registrantEntitySchema(table: StoredTable): EntitySchema<RegistrantRow> {
  const c = table.columns;
  const { EntitySchema: Schema } = typeorm();
  return new Schema<RegistrantRow>({
    name: "Registrant",
    tableName: table.tableName,
    columns: {
      id: { type: Number, primary: true, generated: "increment", name: "id" },
      registrar: { type: String, name: c.registrar, length: 255 },
      proxy: { type: String, name: c.proxy, length: 255, nullable: true },
      aor: { type: String, name: c.aor, length: 255 },
      third_party_registrant: { type: String, name: c.third_party_registrant, length: 255, nullable: true },
      username: { type: String, name: c.username, length: 64, nullable: true },
      password: { type: String, name: c.password, length: 64, nullable: true },
      binding_URI: { type: String, name: c.binding_URI, length: 255 },
      binding_params: { type: String, name: c.binding_params, length: 64, nullable: true },
      expiry: { type: Number, name: c.expiry, nullable: true },
      forced_socket: { type: String, name: c.forced_socket, length: 64, nullable: true },
      cluster_shtag: { type: String, name: c.cluster_shtag, length: 64, nullable: true },
      state: { type: Number, name: c.state, default: 0 },
    },
  });
}
