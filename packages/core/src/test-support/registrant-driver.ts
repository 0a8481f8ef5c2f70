import type { CoreContext } from "../core-params.js";
import { parseRegistrantRow } from "../registrant-config.js";
import type { RegistrantEvent } from "../registrant-event.js";
import { step } from "../registrant-machine.js";
import type { RegistrantRecord } from "../registrant-record.js";
import type { RegistrantRow } from "../registrant-row.js";
import { RegistrantState } from "../registrant-state.js";
import { CHALLENGE_401, captureRow, newRecord, replyTo } from "./registrant-fixtures.js";

/** Time at which `reach` drives records (tests then act at a later `now`). */
export const T0 = 100;

export function response(
  record: RegistrantRecord,
  status: number,
  reason: string,
  headers: string[] = [],
): RegistrantEvent {
  return { type: "response", response: replyTo(record, status, reason, headers) };
}

export function ok(record: RegistrantRecord, expires = 60): RegistrantEvent {
  return response(record, 200, "OK", [`Contact: <${record.config.binding}>;expires=${expires}`]);
}

/** Validates a row with the test context. */
export function configOf(ctx: CoreContext, overrides: Partial<RegistrantRow> = {}) {
  return parseRegistrantRow(captureRow(overrides), {
    timerInterval: ctx.params.timerInterval,
    defaultExpires: ctx.params.defaultExpires,
    userAgent: "uacreg/test",
  });
}

/**
 * A record brought into `state` by real events at time T0 (never by writing the state field), so `pending`, CSeq
 * and Call-ID are what the machine itself would have.
 */
export function reach(
  state: RegistrantState,
  ctx: CoreContext,
  row: Partial<RegistrantRow> = {},
  opts: { enabled?: boolean } = {},
): RegistrantRecord {
  let r = newRecord(row, ctx);
  const go = (ev: RegistrantEvent | ((rec: RegistrantRecord) => RegistrantEvent)) => {
    r = step(r, typeof ev === "function" ? ev(r) : ev, T0, ctx).record;
  };
  const challenge = (rec: RegistrantRecord) => response(rec, 401, "Unauthorized", [CHALLENGE_401]);
  const toRegistering = () => go({ type: "visit" });
  switch (state) {
    case RegistrantState.NOT_REGISTERED:
      break;
    case RegistrantState.REGISTERING:
      toRegistering();
      break;
    case RegistrantState.AUTHENTICATING:
      toRegistering();
      go(challenge);
      break;
    case RegistrantState.REGISTERED:
      toRegistering();
      go(challenge);
      go((rec) => ok(rec));
      break;
    case RegistrantState.REGISTER_TIMEOUT:
      toRegistering();
      go((rec) => ({ type: "timeout", request: { callId: rec.callId, cseq: rec.cseq } }));
      break;
    case RegistrantState.INTERNAL_ERROR:
      toRegistering();
      go((rec) => response(rec, 302, "Moved Temporarily", ["Contact: <sip:elsewhere.test>"]));
      break;
    case RegistrantState.WRONG_CREDENTIALS:
      toRegistering();
      go(challenge);
      go(challenge);
      break;
    case RegistrantState.REGISTRAR_ERROR:
      toRegistering();
      go((rec) => response(rec, 403, "Forbidden"));
      break;
    case RegistrantState.UNREGISTERING:
      r = reach(3, ctx, row);
      go({ type: "disable" });
      break;
    case RegistrantState.AUTHENTICATING_UNREGISTER:
      r = reach(8, ctx, row);
      go(challenge);
      break;
  }
  if (r.state !== state) throw new Error(`reach(${state}) ended in ${r.state}`);
  if (opts.enabled !== undefined && opts.enabled !== r.enabled) {
    r = step(r, { type: opts.enabled ? "enable" : "disable" }, T0, ctx).record;
  }
  return r;
}
