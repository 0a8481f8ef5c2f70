/**
 * The settled state of each record: its state, except while a transaction is in flight (REGISTERING,
 * AUTHENTICATING, UNREGISTERING, AUTHENTICATING_UNREGISTER), when it is the state the record left to send. A record
 * in WRONG_CREDENTIALS_STATE that retries every `failure_retry_interval` goes REGISTERING → AUTHENTICATING →
 * WRONG_CREDENTIALS_STATE each time; its settled state stays WRONG_CREDENTIALS_STATE throughout, so the failure is
 * logged once (state-change-log.ts) and its per-record series does not flap (record-state-metric.ts).
 *
 * Only the records with a transaction in flight that left a state other than REGISTERED are remembered (bounded by
 * `registrant.max_in_flight` plus the queue), so the memory does not grow with the table. A record in flight with no
 * entry left REGISTERED: a refresh (the steady state, every record every expiry) makes no identity string and touches
 * no map.
 */
import { isErrorState, isInFlight, keyIdentity, type RegistrantKey, STATE_NAMES, type StateName } from "@uacreg/core";

const REGISTERED: StateName = "REGISTERED_STATE";

/** A state change as the engine reports it (`StateChangeEvent` of @uacreg/engine). */
export interface StateChange {
  readonly key: RegistrantKey;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
}

const stateNumber = (name: StateName) => STATE_NAMES.indexOf(name) as Parameters<typeof isInFlight>[0];

/** True for REGISTERING, AUTHENTICATING, UNREGISTERING and AUTHENTICATING_UNREGISTER. */
export function inFlightState(name: StateName): boolean {
  return isInFlight(stateNumber(name));
}

/** True for REGISTER_TIMEOUT, INTERNAL_ERROR, WRONG_CREDENTIALS and REGISTRAR_ERROR (docs/opensips-behaviour.md §6). */
export function failureState(name: StateName): boolean {
  return isErrorState(stateNumber(name));
}

export class SettledStates {
  /** identity → the settled state a record in flight left. */
  readonly #departed = new Map<string, StateName>();

  /**
   * Takes one state change in and returns the record's settled state before it. Call it for every change, in order.
   */
  observe(e: StateChange): StateName {
    if (!inFlightState(e.from)) {
      // Leaving a settled state: remember it while in flight, unless it is REGISTERED (the default of no entry).
      if (inFlightState(e.to) && e.from !== REGISTERED) this.#departed.set(keyIdentity(e.key), e.from);
      return e.from;
    }
    if (this.#departed.size === 0) return REGISTERED;
    const id = keyIdentity(e.key);
    const before = this.#departed.get(id) ?? REGISTERED;
    if (!inFlightState(e.to)) this.#departed.delete(id);
    return before;
  }

  /** The settled state of a record now in `state`. */
  settledOf(key: RegistrantKey, state: StateName): StateName {
    if (!inFlightState(state)) return state;
    if (this.#departed.size === 0) return REGISTERED;
    return this.#departed.get(keyIdentity(key)) ?? REGISTERED;
  }

  /** Records in flight remembered now (for tests). */
  get size(): number {
    return this.#departed.size;
  }
}
