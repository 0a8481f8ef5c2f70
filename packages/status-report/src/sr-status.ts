/**
 * The status values of OpenSIPS's status/report interface (docs/events.md §4): an identifier is ready when its
 * status is positive. uac_registrant maps a record's state to one of them (docs/opensips-behaviour.md §6).
 */
import type { StateName } from "@uacreg/core";

/** Ready: the record is REGISTERED. */
export const SR_STATUS_READY = 1;
/** Loading data: a REGISTER or unREGISTER is under way. OpenSIPS gives it the same value as NOT_READY. */
export const SR_STATUS_LOADING_DATA = -1;
/** Not ready: any other state. */
export const SR_STATUS_NOT_READY = -1;

/** The status of an identifier as the `sr_*` commands show it: the number and its optional details text. */
export interface SrStatus {
  readonly status: number;
  readonly details?: string;
}

/** One report of an identifier: when (unix seconds) and the text, as OpenSIPS stores it (with its trailing newline). */
export interface SrReport {
  readonly at: number;
  readonly log: string;
}

/** A record's status: READY in REGISTERED, LOADING while (un)registering or authenticating, NOT_READY otherwise. */
export function registrantStatus(state: StateName): number {
  switch (state) {
    case "REGISTERED_STATE":
      return SR_STATUS_READY;
    case "REGISTERING_STATE":
    case "AUTHENTICATING_STATE":
    case "UNREGISTERING_STATE":
    case "AUTHENTICATING_UNREGISTER_STATE":
      return SR_STATUS_LOADING_DATA;
    default:
      return SR_STATUS_NOT_READY;
  }
}
