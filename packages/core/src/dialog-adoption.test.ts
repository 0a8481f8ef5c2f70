import { describe, expect, it } from "vitest";
import { step } from "./registrant-machine.js";
import { RegistrantState } from "./registrant-state.js";
import { ok, reach } from "./test-support/registrant-driver.js";
import { context, headerOf, newRecord, onlySend, stateChanges } from "./test-support/registrant-fixtures.js";

const NOW = 500;
const MARK = { type: "adopt-dialog", callId: "0123456789abcdef0123456789a", fromTag: "bcdef", cseq: 41 } as const;

describe("adopting another owner's dialog at a takeover (docs/cluster.md §4)", () => {
  it("the next REGISTER continues the adopted Call-ID and From-tag at CSeq mark + 1, nothing sent by the event", () => {
    const ctx = context();
    const adopted = step(newRecord({}, ctx), MARK, NOW, ctx);
    expect(adopted.actions).toEqual([]);
    expect(stateChanges(adopted)).toEqual([]);
    const send = onlySend(step(adopted.record, { type: "visit" }, NOW, ctx));
    expect(send.kind).toBe("REGISTER");
    expect(send.request.callId).toBe(MARK.callId);
    expect(send.request.cseq).toBe(42);
    expect(headerOf(send, "From")).toContain(";tag=bcdef");
  });

  it("keeps a request in flight untouched: its reply must still match (the event is refused with a log line)", () => {
    const ctx = context();
    const r = reach(RegistrantState.REGISTERING, ctx);
    const s = step(r, MARK, NOW, ctx);
    expect(s.record).toBe(r);
    expect(s.actions.map((a) => a.type)).toEqual(["log"]);
    // The reply to the request in flight is still taken.
    expect(step(r, ok(r), NOW, ctx).record.state).toBe(RegistrantState.REGISTERED);
  });

  it("refuses a malformed mark (negative CSeq, empty Call-ID) without changing the record", () => {
    const ctx = context();
    const r = newRecord({}, ctx);
    expect(step(r, { ...MARK, cseq: -1 }, NOW, ctx).record).toBe(r);
    expect(step(r, { ...MARK, callId: "" }, NOW, ctx).record).toBe(r);
  });
});
