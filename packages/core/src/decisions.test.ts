/**
 * One test per docs/decisions.md line that concerns core, named after the decision.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseRegistrantRow } from "./registrant-config.js";
import { onDelete, onReload, onShutdown, step } from "./registrant-machine.js";
import { copyRecord, type RegistrantRecord } from "./registrant-record.js";
import { stateName } from "./registrant-state.js";
import { configOf, ok, reach, response, T0 } from "./test-support/registrant-driver.js";
import {
  CHALLENGE_401,
  captureRow,
  context,
  headerOf,
  newRecord,
  onlySend,
  sends,
} from "./test-support/registrant-fixtures.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

function digestParams(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of value.replace(/^Digest\s+/, "").matchAll(/([a-z]+)=("([^"]*)"|[^,\s]+)/g)) {
    map.set(m[1] as string, m[3] ?? (m[2] as string));
  }
  return map;
}

describe("docs/decisions.md, as core implements it", () => {
  it("unchanged records stay exactly as they are on reload", () => {
    const ctx = context();
    const r = reach(3, ctx);
    const s = onReload(r, configOf(ctx), 500, ctx);
    expect(s.record).toBe(r);
    expect(s.actions).toEqual([]);
  });

  it("changed records re-register, keeping Call-ID, CSeq, granted expiry and pin", () => {
    const ctx = context();
    const r = Object.assign(copyRecord(reach(3, ctx)), {
      pinned: { family: "IPv4" as const, address: "127.0.0.1", port: 15101 },
    });
    const s = onReload(r, configOf(ctx, { expiry: 300 }), 500, ctx);
    expect(s.record.state).toBe(3);
    expect(s.record.registrationTimeout).toBe(0);
    const refresh = onlySend(step(s.record, { type: "visit" }, 510, ctx));
    expect(refresh.request.callId).toBe(r.callId);
    expect(refresh.request.cseq).toBe(r.cseq + 1);
    expect(headerOf(refresh, "Contact")).toBe("<sip:alice@127.0.0.1:15100>;expires=300");
    expect(refresh.request.destination).toEqual(r.pinned);
  });

  it("reload compares with the live enabled flag: a row enabled again after MI disable re-enables the record", () => {
    const ctx = context();
    let r = reach(3, ctx);
    r = step(r, { type: "disable" }, 200, ctx).record;
    r = step(r, response(r, 200, "OK"), 200, ctx).record;
    expect([r.state, r.enabled]).toEqual([0, false]);
    const s = onReload(r, configOf(ctx), 300, ctx); // the same row, state 0 again in the DB
    expect(s.record.enabled).toBe(true);
    expect(onlySend(step(s.record, { type: "visit" }, 305, ctx)).kind).toBe("REGISTER");
    // and an unchanged row after a matching MI command is still untouched
    expect(onReload(s.record, configOf(ctx), 306, ctx).record).toBe(s.record);
  });

  it("removed records are unregistered", () => {
    const ctx = context();
    const s = onDelete(reach(3, ctx), 500, ctx);
    expect(headerOf(onlySend(s), "Contact")).toBe("<sip:alice@127.0.0.1:15100>;expires=0");
    expect(s.record.state).toBe(8);
    expect(s.actions.some((a) => a.type === "persist-state")).toBe(false);
  });

  it("a disabled REGISTERED record is unregistered", () => {
    const ctx = context();
    const s = onReload(reach(3, ctx), configOf(ctx, { state: 1 }), 500, ctx);
    expect(onlySend(s).kind).toBe("unREGISTER");
    expect(s.record.enabled).toBe(false);
    const done = step(s.record, response(s.record, 200, "OK"), 501, ctx).record;
    expect(stateName(done.state)).toBe("NOT_REGISTERED_STATE");
    expect(sends(step(done, { type: "visit" }, 600, ctx))).toEqual([]);
  });

  it("a 200 OK whose binding for us has expires=0 is a failure (the registrar removed us)", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const s = step(r, ok(r, 0), 500, ctx);
    expect(stateName(s.record.state)).toBe("REGISTRAR_ERROR_STATE");
    expect(s.record.registrationTimeout).toBe(500 + 60 - 10);
  });

  it("the Expires header counts for our binding when it has no expires param, also when it is 0", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const s = step(r, response(r, 200, "OK", [`Contact: <${r.config.binding}>`, "Expires: 0"]), 500, ctx);
    expect(s.record.state).toBe(7);
  });

  it("every 2xx is success (RFC 3261)", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const s = step(r, response(r, 202, "Accepted", [`Contact: <${r.config.binding}>;expires=90`]), 500, ctx);
    expect(stateName(s.record.state)).toBe("REGISTERED_STATE");
    expect(s.record.expires).toBe(90);
  });

  it("every failure uses the failure back-off: 3xx is not retried on every visit", () => {
    const ctx = context({ failureRetryInterval: 300 });
    const r = reach(1, ctx);
    const s = step(r, response(r, 302, "Moved Temporarily", ["Contact: <sip:x.test>"]), 500, ctx);
    expect(s.record.registrationTimeout).toBe(500 + 300 - 10);
    expect(sends(step(s.record, { type: "visit" }, 510, ctx))).toEqual([]);
    expect(sends(step(s.record, { type: "visit" }, 790, ctx))).toHaveLength(1);
  });

  it("every failure uses the failure back-off: a send failure too", () => {
    const ctx = context({ failureRetryInterval: 120 });
    const r = reach(1, ctx);
    const s = step(r, { type: "transport-error", request: { callId: r.callId, cseq: r.cseq } }, 500, ctx);
    expect(stateName(s.record.state)).toBe("INTERNAL_ERROR_STATE");
    expect(s.record.registrationTimeout).toBe(500 + 120 - 10);
  });

  it("Retry-After on 503/500 is honoured: RT = max(back-off, now + Retry-After)", () => {
    const ctx = context({ failureRetryInterval: 60 });
    const long = reach(1, ctx);
    expect(
      step(long, response(long, 503, "Service Unavailable", ["Retry-After: 600"]), 500, ctx).record.registrationTimeout,
    ).toBe(1100);
    const short = reach(1, ctx);
    expect(
      step(short, response(short, 500, "Server Error", ["Retry-After: 5"]), 500, ctx).record.registrationTimeout,
    ).toBe(550);
  });

  it("stale nonce → answer the new challenge; only a repeated non-stale challenge is wrong credentials", () => {
    const ctx = context();
    let r = reach(2, ctx);
    const stale = 'WWW-Authenticate: Digest realm="reg.test", nonce="n2", qop="auth", stale=true';
    let s = step(r, response(r, 401, "Unauthorized", [stale]), 500, ctx);
    expect(digestParams(headerOf(onlySend(s), "Authorization") ?? "").get("nonce")).toBe("n2");
    r = s.record;
    expect(r.state).toBe(2);
    // A second stale=true in the same exchange is not answered again (no loop).
    s = step(r, response(r, 401, "Unauthorized", [stale.replace("n2", "n3")]), 500, ctx);
    expect(stateName(s.record.state)).toBe("WRONG_CREDENTIALS_STATE");
  });

  it("optional preemptive auth: refreshes reuse the last nonce with nc+1", () => {
    const ctx = context({ preemptiveAuth: true });
    const r = reach(3, ctx);
    expect(r.auth?.nc).toBe(1); // the challenge answered while registering is cached
    const refresh = step(r, { type: "visit" }, 200, ctx);
    const auth = digestParams(headerOf(onlySend(refresh), "Authorization") ?? "");
    expect(auth.get("nonce")).toBe("a1nonce0000000000000000000000001");
    expect(auth.get("nc")).toBe("00000002");
    expect(refresh.record.pending?.authenticated).toBe(true);
    const again = step(step(refresh.record, ok(refresh.record), 200, ctx).record, { type: "visit" }, 300, ctx);
    expect(digestParams(headerOf(onlySend(again), "Authorization") ?? "").get("nc")).toBe("00000003");
  });

  it("optional preemptive auth: falls back to the challenge when the nonce expired (not wrong credentials)", () => {
    const ctx = context({ preemptiveAuth: true });
    const r = step(reach(3, ctx), { type: "visit" }, 200, ctx).record;
    const challenge = CHALLENGE_401.replace("a1nonce0000000000000000000000001", "fresh");
    const s = step(r, response(r, 401, "Unauthorized", [challenge]), 200, ctx);
    expect(stateName(s.record.state)).toBe("AUTHENTICATING_STATE");
    const auth = digestParams(headerOf(onlySend(s), "Authorization") ?? "");
    expect(auth.get("nonce")).toBe("fresh");
    expect(auth.get("nc")).toBe("00000001");
    expect(stateName(step(s.record, ok(s.record), 200, ctx).record.state)).toBe("REGISTERED_STATE");
  });

  it("optional preemptive auth: off means every new transaction goes out without credentials, as OpenSIPS", () => {
    const ctx = context({ preemptiveAuth: false });
    const refresh = onlySend(step(reach(3, ctx), { type: "visit" }, 200, ctx));
    expect(headerOf(refresh, "Authorization")).toBeUndefined();
  });

  it("random cnonce, nc counted per nonce", () => {
    const ctx = context({ preemptiveAuth: true });
    const r = reach(1, ctx);
    const a = step(r, response(r, 401, "Unauthorized", [CHALLENGE_401]), 500, ctx);
    const p1 = digestParams(headerOf(onlySend(a), "Authorization") ?? "");
    const b = step(step(a.record, ok(a.record), 500, ctx).record, { type: "visit" }, 600, ctx);
    const p2 = digestParams(headerOf(onlySend(b), "Authorization") ?? "");
    expect(p1.get("cnonce")).toMatch(/^[0-9a-f]{32}$/);
    expect(p2.get("cnonce")).not.toBe(p1.get("cnonce"));
    expect([p1.get("nc"), p2.get("nc")]).toEqual(["00000001", "00000002"]);
  });

  it("auth-int hashes the REGISTER's (empty) body, as RFC 7616 says", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const challenge = 'WWW-Authenticate: Digest realm="reg.test", nonce="n-int", qop="auth-int", algorithm=MD5';
    const p = digestParams(
      headerOf(onlySend(step(r, response(r, 401, "Unauthorized", [challenge]), 500, ctx)), "Authorization") ?? "",
    );
    const ha1 = md5("alice:reg.test:secret");
    const ha2 = md5(`REGISTER:sip:127.0.0.1:15101:${md5("")}`);
    expect(p.get("qop")).toBe("auth-int");
    expect(p.get("response")).toBe(md5(`${ha1}:n-int:${p.get("nc")}:${p.get("cnonce")}:auth-int:${ha2}`));
  });

  it("reg-id/+sip.instance detection is per row (no leak to the next row)", () => {
    const ctx = { timerInterval: 10, defaultExpires: 3600 };
    const first = parseRegistrantRow(captureRow({ binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"' }), ctx);
    const second = parseRegistrantRow(
      captureRow({ binding_URI: "sip:bob@127.0.0.1:15100", binding_params: ";foo=1" }),
      ctx,
    );
    expect([first.forceSingle, second.forceSingle]).toEqual([true, false]);
  });

  it("NULL expiry uses default_expires", () => {
    const c = parseRegistrantRow(captureRow({ expiry: null }), { timerInterval: 10, defaultExpires: 1800 });
    expect(c.expiry).toBe(1800);
    const rec = newRecord({ expiry: null }, context({ defaultExpires: 1800 }));
    expect(headerOf(onlySend(step(rec, { type: "visit" }, 100, context())), "Contact")).toContain(";expires=1800");
  });

  it("unregister_on_shutdown option (default off, as OpenSIPS)", () => {
    const ctx = context();
    const r = reach(3, ctx);
    expect(onShutdown(r, false, 500, ctx)).toEqual({ record: r, actions: [] });
    const s = onShutdown(r, true, 500, ctx);
    expect(onlySend(s).kind).toBe("unREGISTER");
  });

  it("refresh window: the 4.x rule, now + T ≥ RT (at least T seconds of margin)", () => {
    const ctx = context();
    const r = reach(3, ctx); // 200 at T0 with E = 60 → RT = T0 + 60 − 10
    expect(r.registrationTimeout).toBe(T0 + 50);
    expect(sends(step(r, { type: "visit" }, T0 + 39, ctx))).toEqual([]);
    expect(sends(step(r, { type: "visit" }, T0 + 40, ctx))).toHaveLength(1);
  });

  it("W (asked) stays separate from E (granted)", () => {
    const ctx = context();
    let r: RegistrantRecord = reach(2, ctx);
    r = step(r, ok(r, 120), T0, ctx).record;
    expect([r.expires, r.wantedExpires]).toEqual([120, 60]);
    expect(headerOf(onlySend(step(r, { type: "visit" }, T0 + 100, ctx)), "Contact")).toBe(
      "<sip:alice@127.0.0.1:15100>;expires=60",
    );
  });

  it("new Call-ID on retry from an error state", () => {
    const ctx = context();
    const r = reach(7, ctx);
    const retry = onlySend(step(r, { type: "visit" }, 1000, ctx));
    expect(retry.request.callId).not.toBe(r.callId);
    expect(retry.request.cseq).toBe(1);
  });

  it("tags: a backup node abandons its request in flight and ignores the late reply", () => {
    const ctx = context();
    const r = reach(2, ctx);
    const backup = step(r, { type: "tag", state: "backup" }, 500, ctx).record;
    expect(backup.state).toBe(0);
    const late = step(backup, ok(r), 501, ctx);
    expect(late.record).toBe(backup);
    expect(late.actions.map((a) => a.type)).toEqual(["log"]);
  });

  it("tags: ACTIVE sends nothing at once and leaves a request in flight alone; the next visit registers", () => {
    const ctx = context();
    const inFlight = reach(1, ctx);
    expect(step(inFlight, { type: "tag", state: "active" }, 500, ctx).record).toBe(inFlight);
    const idle = reach(0, ctx);
    const active = step(idle, { type: "tag", state: "active" }, 500, ctx);
    expect(active.actions).toEqual([]);
    expect(onlySend(step(active.record, { type: "visit" }, 505, ctx)).request.callId).toBe(idle.callId);
  });
});
