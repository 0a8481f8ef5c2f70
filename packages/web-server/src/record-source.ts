/**
 * What the web server reads, declared here as structural interfaces so the package depends on no daemon, engine or
 * status-report package (docs/architecture.md rule 2). `RegistrantEngine` of @uacreg/engine satisfies
 * {@link WebRecords}; the status-report store satisfies {@link RecordHistory}; `MiRegistry` of @uacreg/mi satisfies
 * {@link MiDispatcher}.
 */
import type { RecordView, RegistrantKey, StateName } from "@uacreg/core";

/** The records present at one moment (the engine's `RecordSnapshot`): each view made when asked. */
export interface RecordList {
  readonly length: number;
  view(index: number): WebRecordView;
}

/**
 * A record as the engine shows it. `passwordSet` is read when the view has it (a view without it is shown as
 * `passwordSet: false`, docs/web-api.md §3).
 */
export type WebRecordView = RecordView & { readonly passwordSet?: boolean };

/** The live records (`RegistrantEngine`, or the MI's `RegistrantService`). */
export interface WebRecords {
  /** Every record now; no view made until asked. */
  snapshot(): RecordList;
  /** One record, undefined when there is none with that key. */
  get(key: RegistrantKey): WebRecordView | undefined;
  /** Records per state name. */
  stats(): Readonly<Record<string, number>>;
}

/** Where the server finds the records: undefined while they are not loaded (the database unreachable at start-up). */
export type WebRecordsSource = () => WebRecords | undefined;

/** One state change of a record's history (newest last). `at` is unix seconds. */
export interface HistoryEntry {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/**
 * The bounded in-memory history of each record (the status-report store keeps it, docs/web-api.md §5): the last state
 * changes, newest last, and when the record entered its current state.
 */
export interface RecordHistory {
  history(key: RegistrantKey): readonly HistoryEntry[];
  /** Unix seconds at which the record entered its current state, undefined when unknown. */
  since?(key: RegistrantKey): number | undefined;
}

/** A state change as the engine emits it (`onStateChange`, docs/contracts.md StateChangeEvent). */
export interface StateChange {
  readonly key: RegistrantKey;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
  /** Unix seconds. */
  readonly at: number;
}

/** Subscribes to state changes; returns the unsubscribe function (the engine's `onStateChange`). */
export type StateChangeSource = (listener: (e: StateChange) => void) => () => void;

/**
 * Runs an MI command in process (`MiRegistry.call`): resolves with its result or rejects with an error carrying the
 * MI `code` (a JSON-RPC error code, or an OpenSIPS command code such as 404) and message.
 */
export interface MiDispatcher {
  call(method: string, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
}
