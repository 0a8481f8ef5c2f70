/**
 * The log lines of record state changes an operator filters on (apps/uacregd/README.md "Logs", docs/observability.md):
 *
 * - `warn` "registration failed": a record enters a failure state (REGISTER_TIMEOUT, INTERNAL_ERROR,
 *   WRONG_CREDENTIALS, REGISTRAR_ERROR) from a different settled state: from a non-failure state, or from another
 *   failure state. The retries of a record that keeps failing the same way log nothing more (settled-state.ts): one
 *   line per transition, never one per retry.
 * - `info` "registration recovered": a record in a failure state reaches REGISTERED_STATE again.
 * - `info` "state change": any other change of settled state (first registration, disabled, deleted, …).
 * - Changes into or between in-flight states (REGISTERING, AUTHENTICATING, …) and a settled state entered again are
 *   left to the engine's `debug` line.
 *
 * Each line carries the key (aor, contact, registrar), the state, the settled state before it, the reason core gave
 * (`403 Forbidden`, `timeout`, `send failure: …`) and the SIP reply `code` when the reason starts with one.
 */
import type { StateName } from "@uacreg/core";
import type { Logger } from "./logger.js";
import { failureState, inFlightState, type SettledStates, type StateChange } from "./settled-state.js";

/** The reply code at the start of a reason (`401 Unauthorized to an authenticated request` → 401). */
export function replyCodeOf(reason: string): number | undefined {
  const m = /^([1-6]\d\d)(?:\s|$)/.exec(reason);
  return m ? Number(m[1]) : undefined;
}

/** What the rule makes of one change: the line to write, or nothing. */
export type StateChangeLine = { level: "warn" | "info"; msg: string } | undefined;

/** The rule above, from the settled state before the change. */
export function stateChangeLine(before: StateName, to: StateName): StateChangeLine {
  if (inFlightState(to) || before === to) return undefined;
  if (failureState(to)) return { level: "warn", msg: "registration failed" };
  if (to === "REGISTERED_STATE" && failureState(before)) return { level: "info", msg: "registration recovered" };
  return { level: "info", msg: "state change" };
}

/** A listener for `engine.onStateChange` that writes the lines above. */
export function stateChangeLogger(log: Logger, settled: SettledStates): (e: StateChange) => void {
  return (e) => {
    const before = settled.observe(e);
    const line = stateChangeLine(before, e.to);
    if (line === undefined) return;
    const code = replyCodeOf(e.reason);
    log[line.level](
      {
        aor: e.key.aor,
        contact: e.key.contact,
        registrar: e.key.registrar,
        state: e.to,
        previous: before,
        ...(code !== undefined ? { code } : {}),
        reason: e.reason,
      },
      line.msg,
    );
  };
}
