/**
 * A {@link RegistrantService} on two maps, for the unit tests of the commands: `records` is what is in memory,
 * `database` what `reg_reload` reads. Every call is recorded in `calls`.
 */
import {
  formatKey,
  parseRegistrantRow,
  type RegistrantKey,
  type RegistrantRow,
  rowKey,
  type ValidationContext,
} from "@uacreg/core";
import type { LoadReport, RecordSnapshot, RecordView } from "@uacreg/engine";
import type { RegistrantService } from "../registrant-service.js";

/** A view with the fields every record has; `over` adds the optional ones. */
export function recordView(key: RegistrantKey, over: Partial<RecordView> = {}): RecordView {
  return {
    aor: key.aor,
    contact: key.contact,
    registrar: key.registrar,
    expires: 0,
    state: 0,
    stateName: "NOT_REGISTERED_STATE",
    enabled: true,
    lastRegisterSent: 0,
    registrationTimeout: 0,
    ...over,
  };
}

/** The engine's row validation with T = 10 s and a default expiry of 3600 s (docs/opensips-behaviour.md §2.2). */
const VALIDATION: ValidationContext = { timerInterval: 10, defaultExpires: 3600 };

export class InMemoryRegistrantService implements RegistrantService {
  readonly records = new Map<string, RecordView>();
  readonly database = new Map<string, RegistrantRow>();
  readonly calls: string[] = [];
  /** Views handed out by the snapshots of `snapshot()` so far (reg_list makes them as its reply is written). */
  viewsMade = 0;
  /** The error `reload()` rejects with, when set (a database that went away). */
  reloadError: Error | undefined;

  add(view: RecordView): void {
    this.records.set(formatKey(view), view);
  }

  /** The records now, each view read from `records` when asked (so a change after the snapshot shows). */
  snapshot(): RecordSnapshot {
    this.calls.push("snapshot");
    const keys = [...this.records.keys()];
    const taken = new Map(this.records);
    return {
      length: keys.length,
      view: (index: number): RecordView => {
        const key = keys[index];
        const view = key === undefined ? undefined : (this.records.get(key) ?? taken.get(key));
        if (view === undefined) throw new RangeError(`record ${index} of a snapshot of ${keys.length}`);
        this.viewsMade++;
        return view;
      },
      key: (index: number): RegistrantKey => {
        const key = keys[index];
        const view = key === undefined ? undefined : (this.records.get(key) ?? taken.get(key));
        if (view === undefined) throw new RangeError(`record ${index} of a snapshot of ${keys.length}`);
        return { aor: view.aor, contact: view.contact, registrar: view.registrar };
      },
    };
  }

  get(key: RegistrantKey): RecordView | undefined {
    this.calls.push(`get ${formatKey(key)}`);
    return this.records.get(formatKey(key));
  }

  enable(key: RegistrantKey): boolean {
    return this.#set("enable", key, { enabled: true });
  }

  disable(key: RegistrantKey): boolean {
    return this.#set("disable", key, { enabled: false });
  }

  forceRegister(key: RegistrantKey): boolean {
    return this.#set("forceRegister", key, { registrationTimeout: 0 });
  }

  delete(key: RegistrantKey): boolean {
    this.calls.push(`delete ${formatKey(key)}`);
    return this.records.delete(formatKey(key));
  }

  async reload(): Promise<LoadReport> {
    this.calls.push("reload");
    if (this.reloadError) throw this.reloadError;
    this.records.clear();
    for (const row of this.database.values()) this.upsert(row);
    return { loaded: this.database.size, rejected: [] };
  }

  async reloadOne(key: RegistrantKey): Promise<"ok" | "not-found"> {
    this.calls.push(`reloadOne ${formatKey(key)}`);
    const row = this.database.get(formatKey(key));
    if (!row) return "not-found";
    this.upsert(row);
    return "ok";
  }

  /**
   * Refuses a row the way the engine does, through core's one row validator (RecordValidationError naming the key and
   * the column); a refused row changes nothing.
   */
  upsert(row: RegistrantRow): void {
    const key = rowKey(row);
    this.calls.push(`upsert ${formatKey(key)}`);
    parseRegistrantRow(row, VALIDATION);
    this.add(
      recordView(key, {
        expires: 0,
        enabled: row.state === 0,
        ...(row.proxy === null ? {} : { proxy: row.proxy }),
        ...(row.binding_params === null ? {} : { bindingParams: row.binding_params }),
        ...(row.third_party_registrant === null ? {} : { thirdPartyRegistrant: row.third_party_registrant }),
        ...(row.forced_socket === null ? {} : { socket: row.forced_socket }),
      }),
    );
  }

  stats(): Readonly<Record<string, number>> {
    const out: Record<string, number> = { NOT_REGISTERED_STATE: 0, REGISTERED_STATE: 0 };
    for (const v of this.records.values()) out[v.stateName] = (out[v.stateName] ?? 0) + 1;
    return out;
  }

  counters(): Readonly<Record<string, number>> {
    return { records: this.records.size };
  }

  #set(name: string, key: RegistrantKey, change: Partial<RecordView>): boolean {
    this.calls.push(`${name} ${formatKey(key)}`);
    const view = this.records.get(formatKey(key));
    if (!view) return false;
    this.records.set(formatKey(key), { ...view, ...change });
    return true;
  }
}
