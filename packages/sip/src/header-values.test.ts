import { describe, expect, it } from "vitest";
import {
  headerParam,
  parseContacts,
  parseCSeq,
  parseDeltaSeconds,
  parseNameAddr,
  parseNameAddrList,
  parseRetryAfter,
  parseVia,
  SipParseError,
  tag,
  unquote,
} from "./index.js";

describe("parseVia (RFC 3261 §20.42, RFC 3581)", () => {
  it("reads protocol, sent-by, branch, rport and received", () => {
    const [via] = parseVia("SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bK776;rport=5061;received=203.0.113.9");
    expect(via).toMatchObject({
      protocol: "SIP/2.0/UDP",
      transport: "UDP",
      host: "192.0.2.1",
      port: 5060,
      branch: "z9hG4bK776",
      rport: 5061,
      received: "203.0.113.9",
    });
  });

  it("reads a valueless rport as true, an IPv6 sent-by, and several via-parms in one value", () => {
    const vias = parseVia("SIP/2.0/TCP [2001:db8::1]:5070;rport;branch=z9hG4bKa , SIP/2.0/WSS h.example;branch=b");
    expect(vias.map((v) => [v.host, v.port, v.rport, v.transport])).toEqual([
      ["[2001:db8::1]", 5070, true, "TCP"],
      ["h.example", undefined, undefined, "WSS"],
    ]);
  });

  it.each([
    "",
    "SIP/2.0 h",
    "SIP/2.0/UDP",
    "SIP/2.0/UDP h:99999",
    "SIP/2.0/UDP h;rport=x",
    "SIP/2.0/UDP h;;",
    "SIP/2.0/UDP h,",
  ])("rejects %j", (v) => {
    expect(() => parseVia(v)).toThrow(SipParseError);
  });
});

describe("parseCSeq (RFC 3261 §20.16)", () => {
  it("reads the number and the method, leading zeros and LWS allowed", () => {
    expect(parseCSeq("0009 \r\n INVITE")).toEqual({ seq: 9, method: "INVITE" });
    expect(parseCSeq("4294967295 REGISTER")).toEqual({ seq: 4294967295, method: "REGISTER" });
  });
  it.each(["", "REGISTER", "1", "1REGISTER", "4294967296 REGISTER", "1 REGISTER x", "-1 REGISTER"])(
    "rejects %j",
    (v) => {
      expect(() => parseCSeq(v)).toThrow(SipParseError);
    },
  );
});

describe("name-addr / addr-spec (RFC 3261 §20.10, §25.1)", () => {
  it("reads quoted and token display names, the URI and the header parameters", () => {
    expect(parseNameAddr('"Alice \\"A\\" Smith" <sip:alice@example.com>;tag=1')).toEqual({
      displayName: 'Alice "A" Smith',
      uri: "sip:alice@example.com",
      params: new Map([["tag", "1"]]),
    });
    expect(parseNameAddr("Alice Smith <sips:alice@example.com;transport=tls>")).toMatchObject({
      displayName: "Alice Smith",
      uri: "sips:alice@example.com;transport=tls",
    });
  });

  it("in addr-spec form the parameters belong to the header, not the URI", () => {
    expect(parseNameAddr("sip:bob@example.com;tag=x;expires=30")).toEqual({
      uri: "sip:bob@example.com",
      params: new Map([
        ["tag", "x"],
        ["expires", "30"],
      ]),
    });
  });

  it("splits a list on commas outside quotes and angle brackets", () => {
    const list = parseNameAddrList('"a, b" <sip:a@h;x=1,2>;q=0.5 , <sip:c@h>, sip:d@h;tag=t');
    expect(list.map((n) => n.uri)).toEqual(["sip:a@h;x=1,2", "sip:c@h", "sip:d@h"]);
    expect(list[0]!.displayName).toBe("a, b");
  });

  it("gives case-insensitive parameter access and unquotes values", () => {
    const na = parseNameAddr('<sip:a@h>;Expires=60;+SIP.Instance="<urn:uuid:1>"');
    expect(headerParam(na.params, "EXPIRES")).toBe("60");
    expect(unquote(headerParam(na.params, "+sip.instance") as string)).toBe("<urn:uuid:1>");
    expect(headerParam(na.params, "missing")).toBeUndefined();
    expect(tag("<sip:a@h>;TAG=abc")).toBe("abc");
    expect(tag("<sip:a@h>")).toBeUndefined();
  });

  it.each([
    '"unterminated <sip:a@h>',
    "<sip:a@h",
    "<>",
    "Bell, Alexander <sip:a@h>",
    "<sip:a@h>;",
    "<sip:a@h>;=1",
    "nocolon",
  ])("rejects %j", (v) => {
    expect(() => parseNameAddr(v)).toThrow(SipParseError);
  });
});

describe("parseContacts (RFC 3261 §20.10, §10.2.2)", () => {
  it("collects contacts over all Contact values, and recognizes '*'", () => {
    expect(parseContacts(["<sip:a@h>;expires=1, <sip:b@h>", "<sip:c@h>"]).contacts.map((c) => c.uri)).toEqual([
      "sip:a@h",
      "sip:b@h",
      "sip:c@h",
    ]);
    expect(parseContacts([" * "])).toEqual({ wildcard: true, contacts: [] });
    expect(parseContacts([])).toEqual({ wildcard: false, contacts: [] });
  });
});

describe("Expires, Min-Expires and Retry-After (RFC 3261 §20.19, §20.23, §20.33)", () => {
  it("parses delta-seconds, or returns undefined", () => {
    expect(parseDeltaSeconds(" 3600 ")).toBe(3600);
    expect(parseDeltaSeconds("0")).toBe(0);
    expect(parseDeltaSeconds("99999999999")).toBe(0xffffffff);
    for (const v of ["", "-1", "1.5", "60s", "Thu, 01 Dec 1994 16:00:00 GMT"])
      expect(parseDeltaSeconds(v)).toBeUndefined();
  });

  it("parses Retry-After with a comment and a duration", () => {
    expect(parseRetryAfter("18000;duration=3600")).toEqual({ seconds: 18000, duration: 3600 });
    expect(parseRetryAfter("120 (I'm in a (long) meeting)")).toEqual({
      seconds: 120,
      comment: "I'm in a (long) meeting",
    });
    for (const v of ["", "soon", "5 (unclosed", "5;duration=x", "5;;"]) expect(parseRetryAfter(v)).toBeUndefined();
  });
});
