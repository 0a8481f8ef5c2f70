/**
 * The 10 registrant states, with the numbers and exact names OpenSIPS uses in MI `reg_list`, events and status
 * reports (reference §6). The names are part of the compatibility contract (decisions.md "Keep exactly").
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

/** Exact state names, indexed by state number (reference §6). */
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
export const ALL_STATES: readonly RegistrantState[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The error states 4–7: a visit retries them once RT has passed (reference §3). */
export const ERROR_STATES: readonly RegistrantState[] = [4, 5, 6, 7];

/** States with a transaction in flight (1, 2, 8, 9): a visit does nothing, a reply moves them on. */
export const IN_FLIGHT_STATES: readonly RegistrantState[] = [1, 2, 8, 9];

/** True for 1, 2, 8 and 9. */
export function isInFlight(state: RegistrantState): boolean {
  return state === 1 || state === 2 || state === 8 || state === 9;
}

/** True for 4..7. */
export function isErrorState(state: RegistrantState): boolean {
  return state >= 4 && state <= 7;
}
