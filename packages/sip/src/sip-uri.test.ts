import { describe, expect, it } from "vitest";
import { isSipUri, parseUri, SipParseError, uriEquals } from "./index.js";

describe("parseUri (RFC 3261 §19.1.1)", () => {
  it("splits a SIP URI into its parts", () => {
    const u = parseUri(
      "SIPS:alice:secret@Example.COM:5061;transport=TCP;lr;maddr=239.255.255.1?subject=hi&priority=urgent",
    );
    expect(u).toEqual({
      scheme: "sips",
      user: "alice",
      password: "secret",
      host: "Example.COM",
      port: 5061,
      params: new Map([
        ["transport", "TCP"],
        ["lr", null],
        ["maddr", "239.255.255.1"],
      ]),
      headers: new Map([
        ["subject", "hi"],
        ["priority", "urgent"],
      ]),
      raw: "SIPS:alice:secret@Example.COM:5061;transport=TCP;lr;maddr=239.255.255.1?subject=hi&priority=urgent",
    });
  });

  it("reads IPv6 references and hosts without a user", () => {
    expect(parseUri("sip:[2001:db8::10]:5070")).toMatchObject({ host: "[2001:db8::10]", port: 5070 });
    const u = parseUri("sip:registrar.example.com");
    expect(isSipUri(u) && [u.user, u.port]).toEqual([undefined, undefined]);
  });

  it("decodes %-escapes once, as UTF-8", () => {
    expect(parseUri("sip:%61lice%20b@h;n%61me=v%25%34%31")).toMatchObject({
      user: "alice b",
      params: new Map([["name", "v%41"]]),
    });
    expect(parseUri("sip:caf%C3%A9@h")).toMatchObject({ user: "café" });
  });

  it("keeps other schemes opaque", () => {
    expect(parseUri("tel:+1-201-555-0123;phone-context=x")).toEqual({
      scheme: "tel",
      opaque: "+1-201-555-0123;phone-context=x",
      raw: "tel:+1-201-555-0123;phone-context=x",
    });
  });

  it.each([
    "",
    "alice@h",
    ":x",
    "1sip:h",
    "sip:",
    "sip:@h",
    "sip:a@",
    "sip:h:0x",
    "sip:h:65536",
    "sip:h;;",
    "sip:[::1",
    "sip:%zz@h",
    "sip:%4@h",
    "sip:a b@h",
    "sip:h?noequals",
    "sip:h>",
  ])("rejects %j", (u) => {
    expect(() => parseUri(u)).toThrow(SipParseError);
  });
});

describe("uriEquals (RFC 3261 §19.1.4)", () => {
  // The RFC's own examples of equivalent and non-equivalent URIs.
  it.each([
    ["sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com;security=on"],
    ["sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"],
    [
      "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
      "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ],
    [
      "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
      "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    ],
  ])("%s equals %s", (a, b) => {
    expect(uriEquals(a, b)).toBe(true);
    expect(uriEquals(b, a)).toBe(true);
  });

  it.each([
    ["SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"],
    ["sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"],
    ["sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"],
    ["sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"],
    ["sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"],
    ["sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"],
    ["sip:a@h", "sips:a@h"],
    ["sip:a:pw@h", "sip:a:PW@h"],
    ["sip:a@h", "tel:+1"],
    ["sip:a@h", "not a uri"],
  ])("%s does not equal %s", (a, b) => {
    expect(uriEquals(a, b)).toBe(false);
    expect(uriEquals(b, a)).toBe(false);
  });

  it("compares parsed URIs and non-SIP URIs too", () => {
    const a = parseUri("sip:a@h:5060");
    expect(isSipUri(a) && uriEquals(a, "sip:a@H:5060")).toBe(true);
    expect(uriEquals("tel:+1", "TEL:+1")).toBe(true);
    expect(uriEquals("sip:a@h;lr", "sip:a@h")).toBe(true);
  });

  it("differs from OpenSIPS where the README says: numeric ports, lr/gr ignored when one-sided", () => {
    expect(uriEquals("sip:a@h:05060", "sip:a@h:5060")).toBe(true);
    expect(uriEquals("sip:a@h;gr=x", "sip:a@h")).toBe(true);
    expect(uriEquals("sip:a@h;gr=x", "sip:a@h;gr=y")).toBe(false);
    expect(uriEquals("sip:a@h;n%61me=X", "sip:a@h;name=x")).toBe(true);
  });
});
