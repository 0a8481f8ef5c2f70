import type { StateName } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { SettledStates } from "./settled-state.js";

const CONTACT = "sip:pbx@192.0.2.10:5060";
/** Three records of one contact (OpenSIPS keys a record by AOR, contact and registrar: a contact may repeat). */
const A = { aor: "sip:a@carrier.example", contact: CONTACT, registrar: "sip:carrier.example" };
const B = { aor: "sip:b@carrier.example", contact: CONTACT, registrar: "sip:carrier.example" };
const C = { aor: "sip:a@carrier.example", contact: CONTACT, registrar: "sip:other.example" };

type Key = typeof A;
const change = (key: Key, from: StateName, to: StateName) => ({ key: { ...key }, from, to, reason: "" });

describe("SettledStates", () => {
  it("tells apart records that share a contact, whichever of them leaves flight first", () => {
    for (const order of [
      [A, B, C],
      [B, A, C],
      [C, B, A],
    ]) {
      const s = new SettledStates();
      s.observe(change(A, "NOT_REGISTERED_STATE", "REGISTERING_STATE"));
      s.observe(change(B, "WRONG_CREDENTIALS_STATE", "REGISTERING_STATE"));
      s.observe(change(C, "REGISTER_TIMEOUT_STATE", "REGISTERING_STATE"));
      expect(s.size).toBe(3);
      const left: Record<string, StateName> = {
        [A.aor + A.registrar]: "NOT_REGISTERED_STATE",
        [B.aor + B.registrar]: "WRONG_CREDENTIALS_STATE",
        [C.aor + C.registrar]: "REGISTER_TIMEOUT_STATE",
      };
      let size = 3;
      for (const key of order as Key[]) {
        // Still in flight: the state it left, not a neighbour's.
        expect(s.settledOf({ ...key }, "AUTHENTICATING_STATE")).toBe(left[key.aor + key.registrar]);
        expect(s.observe(change(key, "REGISTERING_STATE", "AUTHENTICATING_STATE"))).toBe(left[key.aor + key.registrar]);
        expect(s.observe(change(key, "AUTHENTICATING_STATE", "REGISTERED_STATE"))).toBe(left[key.aor + key.registrar]);
        expect(s.size).toBe(--size);
        // Out of flight it is forgotten: its settled state is its state.
        expect(s.settledOf({ ...key }, "REGISTERED_STATE")).toBe("REGISTERED_STATE");
        expect(s.settledOf({ ...key }, "REGISTERING_STATE")).toBe("REGISTERED_STATE");
      }
    }
  });

  it("a record leaving a settled state again replaces what it left, without a second entry", () => {
    const s = new SettledStates();
    s.observe(change(A, "NOT_REGISTERED_STATE", "REGISTERING_STATE"));
    // No change out of flight was seen (e.g. the record was replaced by a reload meanwhile): the newer state wins.
    s.observe(change(A, "REGISTRAR_ERROR_STATE", "REGISTERING_STATE"));
    expect(s.size).toBe(1);
    expect(s.observe(change(A, "REGISTERING_STATE", "REGISTRAR_ERROR_STATE"))).toBe("REGISTRAR_ERROR_STATE");
    expect(s.size).toBe(0);
  });

  it("a record in flight from REGISTERED is remembered by nothing", () => {
    const s = new SettledStates();
    s.observe(change(B, "WRONG_CREDENTIALS_STATE", "REGISTERING_STATE"));
    expect(s.observe(change(A, "REGISTERED_STATE", "REGISTERING_STATE"))).toBe("REGISTERED_STATE");
    expect(s.size).toBe(1);
    expect(s.observe(change(A, "REGISTERING_STATE", "REGISTERED_STATE"))).toBe("REGISTERED_STATE");
    expect(s.settledOf(B, "REGISTERING_STATE")).toBe("WRONG_CREDENTIALS_STATE");
    expect(s.size).toBe(1);
  });
});
