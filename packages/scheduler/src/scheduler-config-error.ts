/**
 * Start-up refusal of a bad scheduler parameter (docs/opensips-behaviour.md §1). Names the parameter and the
 * value, the way OpenSIPS refuses to start; unlike OpenSIPS, a `hash_size` outside 1..20 is refused too
 * (docs/decisions.md).
 */
export class SchedulerConfigError extends Error {
  override readonly name = "SchedulerConfigError";
  constructor(
    /** The module parameter at fault: `hash_size` or `timer_interval`. */
    readonly parameter: "hash_size" | "timer_interval",
    /** The value that was refused. */
    readonly value: number,
    message: string,
  ) {
    super(`${parameter}=${value}: ${message}`);
  }
}

/** Two records with the same (aor, contact, registrar) key in one table. */
export class DuplicateRecordError extends Error {
  override readonly name = "DuplicateRecordError";
  constructor(readonly key: { aor: string; contact: string; registrar: string }) {
    super(`a record with aor=${key.aor} contact=${key.contact} registrar=${key.registrar} is already in the table`);
  }
}
