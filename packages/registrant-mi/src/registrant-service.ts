/**
 * What the registrant MI commands need of the live registrant service: exactly the methods they call. The package
 * declares it so that it depends on no concrete engine; `RegistrantEngine` of @uacreg/engine satisfies it
 * structurally (docs/contracts.md).
 */
import type { RegistrantKey, RegistrantRow } from "@uacreg/core";
import type { LoadReport, RecordSnapshot, RecordView } from "@uacreg/engine";

/** The service behind `reg_*` (docs/opensips-behaviour.md §8–§9). */
export interface RegistrantService {
  /**
   * Every record, in bucket order (`reg_list`): the records present now, each view made only when the reply reaches
   * it, so a large table is neither copied into views at once nor held whole while the reply is written.
   */
  snapshot(): RecordSnapshot;
  /** One record, or undefined when there is none with that key (`reg_list aor contact registrar`). */
  get(key: RegistrantKey): RecordView | undefined;
  /** `reg_enable`; false when there is no such record. */
  enable(key: RegistrantKey): boolean;
  /** `reg_disable`; false when there is no such record. */
  disable(key: RegistrantKey): boolean;
  /** `reg_force_register`; false when there is no such record. */
  forceRegister(key: RegistrantKey): boolean;
  /** `reg_delete`: unREGISTER if registered, then drop; false when there is no such record. */
  delete(key: RegistrantKey): boolean;
  /** `reg_reload` without a key: the whole table from the database. */
  reload(): Promise<LoadReport>;
  /** `reg_reload` with a key: "not-found" when the database has no such row. */
  reloadOne(key: RegistrantKey): Promise<"ok" | "not-found">;
  /** `reg_upsert`: add or replace one record in memory; throws (naming the column, never the password) on a bad row. */
  upsert(row: RegistrantRow): void;
  /** Records per state name (`reg_stats` `States`). */
  stats(): Readonly<Record<string, number>>;
  /** The service's counters (`reg_stats` `Counters`). */
  counters(): Readonly<Record<string, number>>;
}

/**
 * Where the commands find the service: the service itself, or a function returning it once it exists (undefined
 * while the database is still unreachable at start-up: `reg_list` and `reg_stats` answer empty, the others 503).
 */
export type RegistrantServiceSource = RegistrantService | (() => RegistrantService | undefined);
