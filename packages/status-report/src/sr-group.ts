/**
 * A status/report group as the `sr_*` MI commands read it (docs/events.md §4): named identifiers, each with a status
 * and its last reports. OpenSIPS keeps groups and identifiers in lists where the newest comes first, and finds them
 * by name without regard to case; the groups here answer the same way.
 */
import type { SrReport, SrStatus } from "./sr-status.js";

/** The name of the identifier used when a command names none (OpenSIPS's default identifier of a group). */
export const MAIN_IDENTIFIER = "main";

export interface SrGroup {
  /** The group name, e.g. `uac_registrant`. */
  readonly name: string;
  /** Every identifier name, newest first. */
  identifiers(): readonly string[];
  /** The identifier's name as stored, found without regard to case; undefined when there is none. */
  find(identifier: string): string | undefined;
  /** The status of an identifier (as stored, see {@link find}); undefined when there is none. */
  status(identifier: string): SrStatus | undefined;
  /** The reports of an identifier, oldest first; empty when there is none. */
  reports(identifier: string): readonly SrReport[];
  /**
   * Called by the MI commands before they list the group, so a group that mirrors live data (the registrant
   * records) can bring its identifiers up to date first.
   */
  prepare?(): void | Promise<void>;
}

/** The groups, newest first, found by name without regard to case (OpenSIPS's `sr_get_group_by_name`). */
export class StatusReports {
  #groups: SrGroup[] = [];

  /** Adds a group in front of the others, as OpenSIPS links a new group; a second group of the same name is refused. */
  register(group: SrGroup): void {
    if (this.get(group.name) !== undefined) throw new Error(`status-report group already registered: ${group.name}`);
    this.#groups = [group, ...this.#groups];
  }

  get(name: string): SrGroup | undefined {
    const lower = name.toLowerCase();
    return this.#groups.find((g) => g.name.toLowerCase() === lower);
  }

  groups(): readonly SrGroup[] {
    return this.#groups;
  }
}

interface SimpleIdentifier {
  readonly name: string;
  status: number;
  details: string | undefined;
  readonly maxReports: number;
  readonly reports: SrReport[];
}

/**
 * A small group whose identifiers hold their status and reports as plain objects: the `core` group (one `main`
 * identifier, 10 reports) and any group with a handful of identifiers.
 */
export class SimpleStatusGroup implements SrGroup {
  readonly #ids: SimpleIdentifier[] = [];

  constructor(readonly name: string) {}

  /** Adds an identifier (status 0 is stored as 1, as OpenSIPS does); false when it exists already. */
  addIdentifier(identifier: string, status: number, details: string | undefined, maxReports: number): boolean {
    if (this.find(identifier) !== undefined) return false;
    this.#ids.unshift({ name: identifier, status: status === 0 ? 1 : status, details, maxReports, reports: [] });
    return true;
  }

  /** Sets an identifier's status and details; returns the status before, undefined when there is no identifier. */
  setStatus(identifier: string, status: number, details: string | undefined): number | undefined {
    const id = this.#get(identifier);
    if (id === undefined) return undefined;
    const before = id.status;
    id.status = status === 0 ? 1 : status;
    id.details = details;
    return before;
  }

  /** Adds a report, dropping the oldest past the identifier's limit; false when it keeps none or does not exist. */
  addReport(identifier: string, log: string, at: number): boolean {
    const id = this.#get(identifier);
    if (id === undefined || id.maxReports === 0) return false;
    id.reports.push({ at, log });
    if (id.reports.length > id.maxReports) id.reports.shift();
    return true;
  }

  identifiers(): readonly string[] {
    return this.#ids.map((i) => i.name);
  }

  find(identifier: string): string | undefined {
    return this.#get(identifier)?.name;
  }

  status(identifier: string): SrStatus | undefined {
    const id = this.#get(identifier);
    if (id === undefined) return undefined;
    return id.details === undefined ? { status: id.status } : { status: id.status, details: id.details };
  }

  reports(identifier: string): readonly SrReport[] {
    return this.#get(identifier)?.reports ?? [];
  }

  #get(identifier: string): SimpleIdentifier | undefined {
    const lower = identifier.toLowerCase();
    return this.#ids.find((i) => i.name.toLowerCase() === lower);
  }
}
