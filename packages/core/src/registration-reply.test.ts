import { describe, expect, it } from "vitest";
import { step } from "./registrant-machine.js";
import { reach, response } from "./test-support/registrant-driver.js";
import { context } from "./test-support/registrant-fixtures.js";

describe("2xx Contact handling (§5, decisions: our binding's expires)", () => {
  const ctx = context();
  const outcome = (contact: string, extra: string[] = []) => {
    const r = reach(1, ctx);
    const s = step(r, response(r, 200, "OK", [`Contact: ${contact}`, ...extra]), 1000, ctx);
    return { state: s.record.state, expires: s.record.expires, rt: s.record.registrationTimeout };
  };

  // `<binding>;expires=N` exactly is read without the full Contact parser; the other spellings below are the same
  // contact for RFC 3261 and go through the parser: both must agree.
  it.each(["0", "1", "59", "120", "3600", "0000000120", "4294967295", "4294967296", "99999999999", ""])(
    "reads <binding>;expires=%s as the full parser does",
    (n) => {
      const binding = "sip:alice@127.0.0.1:15100";
      const exact = outcome(`<${binding}>;expires=${n}`, ["Expires: 300"]);
      expect(outcome(`<${binding}> ;expires=${n}`, ["Expires: 300"])).toEqual(exact);
      expect(outcome(`<${binding}>;EXPIRES=${n}`, ["Expires: 300"])).toEqual(exact);
      expect(outcome(`< ${binding} >;expires=${n}`, ["Expires: 300"])).toEqual(exact);
    },
  );

  it("expires=0 on our echoed binding is a failure; a Contact that only looks alike is not ours", () => {
    expect(outcome("<sip:alice@127.0.0.1:15100>;expires=0").state).toBe(7);
    expect(outcome("<sip:alice@127.0.0.1:15100>;expires=3600").expires).toBe(3600);
    // A URI parameter on one side only is ignored by §19.1.4: still ours, found by the URI comparison.
    expect(outcome("<sip:alice@127.0.0.1:15100>;expires=90").expires).toBe(
      outcome("<sip:alice@127.0.0.1:15100;lr>;expires=90").expires,
    );
    // Not ours: its expires and the Expires header are ignored (docs/decisions.md, issue 10), E stays as asked.
    expect(outcome("<sip:alice@127.0.0.1:15101>;expires=90", ["Expires: 300"]).expires).toBe(60);
    expect(outcome("<sip:alice@127.0.0.1:15100>;expires=90, <sip:bob@127.0.0.1>;expires=10").expires).toBe(90);
  });
});
