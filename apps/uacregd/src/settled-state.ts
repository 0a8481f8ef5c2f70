/**
 * The settled state of each record: its state, except while a transaction is in flight (REGISTERING,
 * AUTHENTICATING, UNREGISTERING, AUTHENTICATING_UNREGISTER), when it is the state the record left to send. A record
 * in WRONG_CREDENTIALS_STATE that retries every `failure_retry_interval` goes REGISTERING → AUTHENTICATING →
 * WRONG_CREDENTIALS_STATE each time; its settled state stays WRONG_CREDENTIALS_STATE throughout, so the failure is
 * logged once (state-change-log.ts) and its per-record series does not flap (record-state-metric.ts).
 *
 * Only the records with a transaction in flight that left a state other than REGISTERED are remembered (bounded by
 * `registrant.max_in_flight` plus the queue), so the memory does not grow with the table. A record in flight with no
 * entry left REGISTERED: a refresh (the steady state, every record every expiry) touches no map.
 */
import { isErrorState, isInFlight, type RegistrantKey, STATE_NAMES, type StateName } from "@uacreg/core";

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

/** A record in flight that left a settled state other than REGISTERED (several share a contact: chained). */
interface Departed {
  readonly aor: string;
  readonly registrar: string;
  state: StateName;
  next: Departed | undefined;
}

/** The entry of `key`'s record in the chain of its contact starting at `head` (records told apart by AOR and registrar). */
function inChain(head: Departed | undefined, key: RegistrantKey): Departed | undefined {
  for (let d = head; d !== undefined; d = d.next) {
    if (d.aor === key.aor && d.registrar === key.registrar) return d;
  }
  return undefined;
}

export class SettledStates {
  /**
   * contact → the records in flight with that contact that left a settled state other than REGISTERED. Keyed by the
   * record's own contact string, whose hash V8 keeps in the string after the first lookup: no identity string is built
   * per event (a key's three strings joined, hashed anew each time, were most of this class's cost on a ramp).
   */
  readonly #departed = new Map<string, Departed>();
  #size = 0;

  /**
   * Takes one state change in and returns the record's settled state before it. Call it for every change, in order.
   */
  observe(e: StateChange): StateName {
    if (!inFlightState(e.from)) {
      // Leaving a settled state: remember it while in flight, unless it is REGISTERED (the default of no entry).
      if (inFlightState(e.to) && e.from !== REGISTERED) this.#remember(e.key, e.from);
      return e.from;
    }
    if (this.#size === 0) return REGISTERED;
    // Back to a settled state: the entry goes; still in flight: it stays.
    const found = inFlightState(e.to) ? this.#find(e.key) : this.#take(e.key);
    return found?.state ?? REGISTERED;
  }

  /** The settled state of a record now in `state`. */
  settledOf(key: RegistrantKey, state: StateName): StateName {
    if (!inFlightState(state)) return state;
    if (this.#size === 0) return REGISTERED;
    return this.#find(key)?.state ?? REGISTERED;
  }

  /** Records in flight remembered now (for tests). */
  get size(): number {
    return this.#size;
  }

  #find(key: RegistrantKey): Departed | undefined {
    return inChain(this.#departed.get(key.contact), key);
  }

  /** One look-up of the contact: its chain is walked for the record, and the new entry goes at its head. */
  #remember(key: RegistrantKey, state: StateName): void {
    const head = this.#departed.get(key.contact);
    const found = inChain(head, key);
    if (found !== undefined) {
      found.state = state;
      return;
    }
    this.#departed.set(key.contact, { aor: key.aor, registrar: key.registrar, state, next: head });
    this.#size++;
  }

  /** Removes the record's entry and returns it (undefined when it has none). */
  #take(key: RegistrantKey): Departed | undefined {
    let prev: Departed | undefined;
    for (let d = this.#departed.get(key.contact); d !== undefined; prev = d, d = d.next) {
      if (d.aor !== key.aor || d.registrar !== key.registrar) continue;
      if (prev !== undefined) prev.next = d.next;
      else if (d.next !== undefined) this.#departed.set(key.contact, d.next);
      else this.#departed.delete(key.contact);
      this.#size--;
      return d;
    }
    return undefined;
  }
}
