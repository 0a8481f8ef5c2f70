/**
 * Unit-test fixtures: an in-memory record table with the methods the MI's registrant commands and the web server
 * read (a fake, for unit tests only; the e2e test runs the real daemon), and a history that follows state changes.
 */
import {
  keyIdentity,
  type RecordView,
  type RegistrantKey,
  type RegistrantRow,
  STATE_NAMES,
  type StateName,
} from "@uacreg/core";
import type { LoadReport } from "@uacreg/engine";
import type { RegistrantService } from "@uacreg/registrant-mi";
import type { HistoryEntry, RecordHistory, StateChange, WebRecordView } from "../record-source.js";

export function view(
  aor: string,
  registrar: string,
  state: StateName,
  over: Partial<WebRecordView> = {},
): WebRecordView {
  return {
    aor,
    contact: `${aor.replace(/@.*/, "")}@127.0.0.1:5099`,
    registrar,
    expires: 3600,
    state: STATE_NAMES.indexOf(state),
    stateName: state,
    enabled: true,
    lastRegisterSent: 1_767_225_600,
    registrationTimeout: 0,
    passwordSet: true,
    ...over,
  };
}

/** Records in memory, with the engine's state-change listeners; `calls` lists the commands that reached it. */
export class FixtureRecords implements RegistrantService {
  readonly views: WebRecordView[] = [];
  readonly calls: string[] = [];
  readonly #listeners = new Set<(e: StateChange) => void>();

  add(...views: WebRecordView[]): this {
    this.views.push(...views);
    return this;
  }

  keyOf(v: RecordView): RegistrantKey {
    return { aor: v.aor, contact: v.contact, registrar: v.registrar };
  }

  #find(key: RegistrantKey): number {
    const id = keyIdentity(key);
    return this.views.findIndex((v) => keyIdentity(this.keyOf(v)) === id);
  }

  /** Moves a record to `to` and tells the listeners, as the engine does. */
  move(key: RegistrantKey, to: StateName, reason: string, at: number): void {
    const i = this.#find(key);
    const v = this.views[i] as WebRecordView;
    const from = v.stateName;
    this.views[i] = { ...v, stateName: to, state: STATE_NAMES.indexOf(to) };
    for (const l of this.#listeners) l({ key, from, to, reason, at });
  }

  onStateChange(listener: (e: StateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot() {
    const taken = [...this.views];
    return {
      length: taken.length,
      view: (i: number) => taken[i] as WebRecordView,
      key: (i: number): RegistrantKey => {
        const v = taken[i] as WebRecordView;
        return { aor: v.aor, contact: v.contact, registrar: v.registrar };
      },
    };
  }
  get(key: RegistrantKey): WebRecordView | undefined {
    return this.views[this.#find(key)];
  }
  enable(key: RegistrantKey): boolean {
    this.calls.push(`enable ${key.aor}`);
    return this.#find(key) >= 0;
  }
  disable(key: RegistrantKey): boolean {
    this.calls.push(`disable ${key.aor}`);
    return this.#find(key) >= 0;
  }
  forceRegister(key: RegistrantKey): boolean {
    this.calls.push(`force ${key.aor}`);
    return this.#find(key) >= 0;
  }
  delete(key: RegistrantKey): boolean {
    return this.#find(key) >= 0;
  }
  async reload(): Promise<LoadReport> {
    this.calls.push("reload all");
    return { loaded: this.views.length, rejected: [] };
  }
  async reloadOne(key: RegistrantKey): Promise<"ok" | "not-found"> {
    this.calls.push(`reload ${key.aor}`);
    return this.#find(key) >= 0 ? "ok" : "not-found";
  }
  upsert(_row: RegistrantRow): void {}
  stats(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of this.views) out[v.stateName] = (out[v.stateName] ?? 0) + 1;
    return out;
  }
  counters(): Readonly<Record<string, number>> {
    return { records: this.views.length };
  }
}

/** A bounded history per record (the status-report store's shape), fed by state changes. */
export class FixtureHistory implements RecordHistory {
  readonly #byKey = new Map<string, HistoryEntry[]>();

  observe = (e: StateChange): void => {
    const id = keyIdentity(e.key);
    const list = this.#byKey.get(id) ?? [];
    list.push({ at: e.at, from: e.from, to: e.to, reason: e.reason });
    if (list.length > 20) list.shift();
    this.#byKey.set(id, list);
  };

  history(key: RegistrantKey): readonly HistoryEntry[] {
    return this.#byKey.get(keyIdentity(key)) ?? [];
  }

  since(key: RegistrantKey): number | undefined {
    return this.#byKey.get(keyIdentity(key))?.at(-1)?.at;
  }
}
