import type { OutgoingRequest } from "./register-request.js";
import type { RegistrantKey } from "./registrant-row.js";
import type { StateName } from "./registrant-state.js";
import type { SendKind, TransitionId } from "./registrant-transitions.js";

/** Hand this request to the transport (it adds Via, resolves unless pinned, retransmits, reports the outcome). */
export interface SendAction {
  readonly type: "send";
  readonly kind: SendKind;
  readonly request: OutgoingRequest;
}

/** Write the DB `state` column (0 enabled, 1 disabled) for the key (docs/opensips-behaviour.md §9 reg_enable / reg_disable). */
export interface PersistStateAction {
  readonly type: "persist-state";
  readonly key: RegistrantKey;
  readonly state: 0 | 1;
}

/** The state changed (docs/contracts.md StateChangeEvent; OpenSIPS raises E_REGISTRANT_<X>, §6). */
export interface StateChangeAction {
  readonly type: "state-change";
  readonly key: RegistrantKey;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
  /** Unix seconds. */
  readonly at: number;
  readonly transition: TransitionId;
}

/** Something worth a log line (no password ever appears in it). */
export interface LogAction {
  readonly type: "log";
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
}

export type RegistrantAction = SendAction | PersistStateAction | StateChangeAction | LogAction;

/** What every entry point returns: the next record (the same object when nothing changed) and what to do. */
export interface Step<R> {
  readonly record: R;
  readonly actions: readonly RegistrantAction[];
}
