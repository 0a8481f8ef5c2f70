/**
 * The 10 registrant states, with the numbers and exact names OpenSIPS uses in MI `reg_list`, events and status
 * reports (docs/opensips-behaviour.md §6). The names are part of the compatibility contract (docs/decisions.md "Keep exactly").
 */
export const RegistrantState = {
  NOT_REGISTERED: 0,
  REGISTERING: 1,
  AUTHENTICATING: 2,
  REGISTERED: 3,
  REGISTER_TIMEOUT: 4,
  INTERNAL_ERROR: 5,
  WRONG_CREDENTIALS: 6,
  REGISTRAR_ERROR: 7,
  UNREGISTERING: 8,
  AUTHENTICATING_UNREGISTER: 9,
} as const;

/** A state number, 0..9. */
export type RegistrantState = (typeof RegistrantState)[keyof typeof RegistrantState];

/** Exact state names, indexed by state number (docs/opensips-behaviour.md §6). */
export const STATE_NAMES = [
  "NOT_REGISTERED_STATE",
  "REGISTERING_STATE",
  "AUTHENTICATING_STATE",
  "REGISTERED_STATE",
  "REGISTER_TIMEOUT_STATE",
  "INTERNAL_ERROR_STATE",
  "WRONG_CREDENTIALS_STATE",
  "REGISTRAR_ERROR_STATE",
  "UNREGISTERING_STATE",
  "AUTHENTICATING_UNREGISTER_STATE",
] as const;

/** One of the exact state names ("REGISTERED_STATE" …). */
export type StateName = (typeof STATE_NAMES)[number];

/** The exact name of a state number (`stateName(3)` → `"REGISTERED_STATE"`). */
export function stateName(state: RegistrantState): StateName {
  return STATE_NAMES[state] as StateName;
}

/** All state numbers in order. */
export const ALL_STATES: readonly RegistrantState[] = [
  RegistrantState.NOT_REGISTERED,
  RegistrantState.REGISTERING,
  RegistrantState.AUTHENTICATING,
  RegistrantState.REGISTERED,
  RegistrantState.REGISTER_TIMEOUT,
  RegistrantState.INTERNAL_ERROR,
  RegistrantState.WRONG_CREDENTIALS,
  RegistrantState.REGISTRAR_ERROR,
  RegistrantState.UNREGISTERING,
  RegistrantState.AUTHENTICATING_UNREGISTER,
];

/** The error states 4–7: a visit retries them once RT has passed (docs/opensips-behaviour.md §3). */
export const ERROR_STATES: readonly RegistrantState[] = [
  RegistrantState.REGISTER_TIMEOUT,
  RegistrantState.INTERNAL_ERROR,
  RegistrantState.WRONG_CREDENTIALS,
  RegistrantState.REGISTRAR_ERROR,
];

/** States with a transaction in flight (1, 2, 8, 9): a visit does nothing, a reply moves them on. */
export const IN_FLIGHT_STATES: readonly RegistrantState[] = [
  RegistrantState.REGISTERING,
  RegistrantState.AUTHENTICATING,
  RegistrantState.UNREGISTERING,
  RegistrantState.AUTHENTICATING_UNREGISTER,
];

/** Every state but `except`, in order (rows of the transition table that fire from almost anywhere). */
export function allStatesBut(except: RegistrantState): readonly RegistrantState[] {
  return ALL_STATES.filter((s) => s !== except);
}

/** True for REGISTERING, AUTHENTICATING, UNREGISTERING and AUTHENTICATING_UNREGISTER. */
export function isInFlight(state: RegistrantState): boolean {
  return (
    state === RegistrantState.REGISTERING ||
    state === RegistrantState.AUTHENTICATING ||
    state === RegistrantState.UNREGISTERING ||
    state === RegistrantState.AUTHENTICATING_UNREGISTER
  );
}

/** True for the error states REGISTER_TIMEOUT … REGISTRAR_ERROR (4..7, contiguous). */
export function isErrorState(state: RegistrantState): boolean {
  return state >= RegistrantState.REGISTER_TIMEOUT && state <= RegistrantState.REGISTRAR_ERROR;
}
