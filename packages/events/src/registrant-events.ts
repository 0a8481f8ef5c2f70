/**
 * The events of OpenSIPS 4.x's uac_registrant (docs/events.md §3, docs/opensips-behaviour.md §6): one event per
 * state but NOT_REGISTERED, `E_REGISTRANT_<state name without _STATE>`, raised on each change into that state with
 * the string parameters `aor`, `contact` (the binding URI) and `registrar`, in that order. No credential is ever a
 * parameter.
 */
import { type RegistrantKey, STATE_NAMES, type StateName } from "@uacreg/core";
import type { EventInterface } from "./event-interface.js";

/** State name → event name, made once (a state change looks its event up, allocating nothing). */
const EVENT_OF_STATE: ReadonlyMap<StateName, string> = new Map(
  STATE_NAMES.filter((s) => s !== "NOT_REGISTERED_STATE").map((s) => [
    s,
    `E_REGISTRANT_${s.slice(0, -"_STATE".length)}`,
  ]),
);

/** `E_REGISTRANT_REGISTERED` for `REGISTERED_STATE`; undefined for `NOT_REGISTERED_STATE`, which raises nothing. */
export function registrantEventName(state: StateName): string | undefined {
  return EVENT_OF_STATE.get(state);
}

/** The nine events, in OpenSIPS's publishing order (the states' order). */
export const REGISTRANT_EVENTS: readonly string[] = [...EVENT_OF_STATE.values()];

/** Publishes the nine events on `evi`. */
export function publishRegistrantEvents(evi: EventInterface): void {
  for (const name of REGISTRANT_EVENTS) evi.publish(name);
}

/** Raises the event of a change into `to` (nothing for NOT_REGISTERED, or when nobody subscribed). */
export function raiseRegistrantEvent(evi: EventInterface, key: RegistrantKey, to: StateName): number {
  const name = registrantEventName(to);
  if (name === undefined || !evi.wanted(name)) return 0;
  return evi.raise(name, { aor: key.aor, contact: key.contact, registrar: key.registrar });
}

/** OpenSIPS's status-report event, raised when an identifier's status changes (docs/events.md §4). */
export const SR_STATUS_CHANGED_EVENT = "E_CORE_SR_STATUS_CHANGED";

/** Raises `E_CORE_SR_STATUS_CHANGED` with OpenSIPS's parameters: group, identifier, status, details, old_status. */
export function raiseStatusChanged(
  evi: EventInterface,
  change: { group: string; identifier: string; status: number; details?: string; oldStatus: number },
): number {
  if (change.status === change.oldStatus || !evi.wanted(SR_STATUS_CHANGED_EVENT)) return 0;
  const params: Record<string, string | number> = {
    group: change.group,
    identifier: change.identifier,
    status: change.status,
  };
  if (change.details !== undefined) params.details = change.details;
  params.old_status = change.oldStatus;
  return evi.raise(SR_STATUS_CHANGED_EVENT, params);
}
