import { describe, expect, it } from "vitest";
import type { RegistrantEvent } from "./registrant-event.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { RegistrantState } from "./registrant-state.js";
import { MAX_CHALLENGE_ANSWERS, MAX_INTERVAL_RESENDS } from "./reply-retry-bounds.js";
import { reach, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, sends } from "./test-support/registrant-fixtures.js";

const NOW = 1000;
const STALE_401 =
  'WWW-Authenticate: Digest realm="reg.test", nonce="a2nonce", opaque="opaque-a-456", qop="auth", algorithm=MD5, stale=true';

/** A registrar that answers every REGISTER with 423 and Min-Expires one above the W just asked for. */
function tooBrief(r: RegistrantRecord): RegistrantEvent {
  return response(r, 423, "Interval Too Brief", [`Min-Expires: ${(r.pending?.expires ?? r.wantedExpires) + 1}`]);
}

/** Feeds replies until nothing is sent any more (or 50 replies); returns the record and the number of sends. */
function drive(
  start: RegistrantRecord,
  reply: (r: RegistrantRecord, n: number) => RegistrantEvent,
  ctx = context(),
): { record: RegistrantRecord; sent: number; logs: string[] } {
  let record = start;
  let sent = 0;
  const logs: string[] = [];
  for (let n = 0; n < 50; n++) {
    const s = step(record, reply(record, n), NOW, ctx);
    record = s.record;
    for (const a of s.actions) if (a.type === "log" && a.level === "warn") logs.push(a.message);
    const out = sends(s).length;
    sent += out;
    if (out === 0) break;
  }
  return { record, sent, logs };
}

describe("reply-driven re-sends are bounded per registration attempt (docs/decisions.md)", () => {
  it(`a registrar answering 423 with Min-Expires W + 1 forever gets ${MAX_INTERVAL_RESENDS} re-sends, then REGISTRAR_ERROR with back-off`, () => {
    const ctx = context();
    const { record, sent, logs } = drive(reach(RegistrantState.REGISTERING, ctx), tooBrief, ctx);
    expect(sent).toBe(MAX_INTERVAL_RESENDS);
    expect(record.state).toBe(RegistrantState.REGISTRAR_ERROR);
    // The failure back-off: F = 0, so floor(E·P/100) − T after the failure, not the next visit.
    expect(record.registrationTimeout).toBe(NOW + 60 - 10);
    expect(logs.some((m) => m.includes("423"))).toBe(true);
    // The next visit before RT sends nothing; at RT a new attempt starts with a fresh budget.
    expect(sends(step(record, { type: "visit" }, NOW + 10, ctx))).toHaveLength(0);
    const retry = step(record, { type: "visit" }, NOW + 50, ctx);
    expect(sends(retry)).toHaveLength(1);
    expect(drive(retry.record, tooBrief, ctx).sent).toBe(MAX_INTERVAL_RESENDS);
  });

  it("401 and 423 in turn (each answer re-challenged, each re-send too brief) end after the bound", () => {
    const ctx = context({ preemptiveAuth: false });
    const { record, sent } = drive(
      reach(RegistrantState.REGISTERING, ctx),
      (r, n) => (n % 2 === 0 ? response(r, 401, "Unauthorized", [CHALLENGE_401]) : tooBrief(r)),
      ctx,
    );
    expect(sent).toBeLessThanOrEqual(MAX_INTERVAL_RESENDS + MAX_CHALLENGE_ANSWERS);
    expect([RegistrantState.REGISTRAR_ERROR, RegistrantState.WRONG_CREDENTIALS]).toContain(record.state);
    expect(record.registrationTimeout).toBeGreaterThan(NOW);
  });

  it("stale challenges and 423s in turn end after the bound", () => {
    const ctx = context({ preemptiveAuth: false });
    const { record, sent } = drive(
      reach(RegistrantState.AUTHENTICATING, ctx),
      (r, n) => (n % 2 === 0 ? response(r, 401, "Unauthorized", [STALE_401]) : tooBrief(r)),
      ctx,
    );
    expect(sent).toBeLessThanOrEqual(MAX_INTERVAL_RESENDS + MAX_CHALLENGE_ANSWERS);
    expect(record.state === RegistrantState.REGISTRAR_ERROR || record.state === RegistrantState.WRONG_CREDENTIALS).toBe(
      true,
    );
  });

  it("MI disable in the middle of a 423 exchange: the next 423 sends nothing more", () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const disabled = step(r, { type: "disable" }, NOW, ctx).record;
    const s = step(disabled, tooBrief(disabled), NOW, ctx);
    expect(sends(s)).toHaveLength(0);
    expect(s.record.state).toBe(RegistrantState.REGISTRAR_ERROR);
  });

  it("MI reload and force-register in the middle of the exchange do not renew its budget", () => {
    const ctx = context();
    let r = reach(RegistrantState.REGISTERING, ctx);
    let sent = 0;
    for (let n = 0; n < 20; n++) {
      r = step(r, { type: "force-register" }, NOW, ctx).record;
      const s = step(r, tooBrief(r), NOW, ctx);
      r = s.record;
      sent += sends(s).length;
      if (sends(s).length === 0) break;
    }
    expect(sent).toBe(MAX_INTERVAL_RESENDS);
    expect(r.state).toBe(RegistrantState.REGISTRAR_ERROR);
  });
});
