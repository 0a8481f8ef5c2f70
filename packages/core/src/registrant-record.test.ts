import { describe, expect, it } from "vitest";
import { onAdoptDialog, step } from "./registrant-machine.js";
import { copyRecord, type RegistrantRecord } from "./registrant-record.js";
import { reach } from "./test-support/registrant-driver.js";
import { context, headerOf, onlySend } from "./test-support/registrant-fixtures.js";

/** Every field of the {@link RegistrantRecord} contract, read one by one (accessors included). */
const fields = (r: RegistrantRecord) => ({
  config: r.config,
  state: r.state,
  enabled: r.enabled,
  expires: r.expires,
  wantedExpires: r.wantedExpires,
  lastRegisterSent: r.lastRegisterSent,
  registrationTimeout: r.registrationTimeout,
  callId: r.callId,
  fromTag: r.fromTag,
  cseq: r.cseq,
  pending: r.pending,
  auth: r.auth,
  pinned: r.pinned,
  refreshAfterReply: r.refreshAfterReply,
  afterSingleCleanup: r.afterSingleCleanup,
});

describe("RegistrantRecord: the fields core packs are read and copied as the contract names them (core README)", () => {
  it("copyRecord keeps every field, from a core record or from a plain object with every field", () => {
    const ctx = context();
    const r = reach(3, ctx);
    expect(fields(copyRecord(r))).toEqual(fields(r));
    const plain = {
      ...fields(r),
      state: 7 as const,
      enabled: false,
      refreshAfterReply: true,
      afterSingleCleanup: true,
    };
    expect(fields(copyRecord(plain))).toEqual(plain);
  });

  it("each flag and the state change alone", () => {
    const next = copyRecord(reach(3, context()));
    next.enabled = false;
    next.refreshAfterReply = true;
    expect([next.state, next.enabled, next.refreshAfterReply, next.afterSingleCleanup]).toEqual([
      3,
      false,
      true,
      false,
    ]);
    next.state = 9;
    next.afterSingleCleanup = true;
    next.refreshAfterReply = false;
    expect([next.state, next.enabled, next.refreshAfterReply, next.afterSingleCleanup]).toEqual([
      9,
      false,
      false,
      true,
    ]);
  });

  it("an adopted dialog of any length is sent as it was stored, and the Call-ID and tag can change apart", () => {
    const ctx = context();
    const callId = `${"c".repeat(300)}@host.example`;
    const adopted = onAdoptDialog(reach(3, ctx), { callId, fromTag: "tag-1", cseq: 41 }).record;
    expect([adopted.callId, adopted.fromTag, adopted.cseq]).toEqual([callId, "tag-1", 41]);
    const request = onlySend(step(adopted, { type: "visit" }, 10_000, ctx));
    expect(headerOf(request, "Call-ID")).toBe(callId);
    expect(headerOf(request, "From")).toContain(";tag=tag-1");
    expect(headerOf(request, "CSeq")).toBe("42 REGISTER");
    const next = copyRecord(adopted);
    next.fromTag = "x";
    expect([next.callId, next.fromTag]).toEqual([callId, "x"]);
    next.callId = "short";
    expect([next.callId, next.fromTag]).toEqual(["short", "x"]);
  });

  it("JSON shows the fields by their names", () => {
    const r = reach(3, context());
    const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    expect(json).toMatchObject({ state: 3, enabled: true, callId: r.callId, fromTag: r.fromTag, cseq: r.cseq });
    expect(r.callId).toMatch(/^[0-9a-f]{27}$/);
    expect(r.fromTag).toMatch(/^[0-9a-f]{5}$/);
  });
});
