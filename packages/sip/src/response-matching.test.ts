import { describe, expect, it } from "vitest";
import { cseqIs, parseCSeq, parseVia, readTopVia, type TopViaFields as TopVia } from "./index.js";

/** What the full parse of @uacreg/sip says, or "throws". */
function reference(value: string): TopVia | "throws" {
  try {
    const top = parseVia(value)[0]!;
    return {
      branch: top.branch,
      received: top.received,
      rport: typeof top.rport === "number" ? top.rport : undefined,
      sentBy: top.port === undefined ? top.host.toLowerCase() : `${top.host.toLowerCase()}:${top.port}`,
    };
  } catch {
    return "throws";
  }
}

function fast(value: string): TopVia | "throws" {
  const out: TopVia = { branch: "stale", received: "stale", rport: 1 };
  try {
    readTopVia(value, out);
    return out;
  } catch {
    return "throws";
  }
}

const VIAS = [
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1a2b.3;rport",
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1a2b.3;rport=40000;received=192.0.2.7",
  "SIP/2.0/UDP 127.0.0.1:5060;received=192.0.2.7;rport=40000;branch=z9hG4bKx",
  "SIP/2.0/UDP host.example.com;BRANCH=z9hG4bKCase;Received=10.0.0.1;RPORT=5",
  "SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKa;branch=z9hG4bKsecond;rport=1;rport=2",
  "SIP/2.0/UDP 127.0.0.1:5060;branch;received;rport",
  "SIP/2.0/UDP 127.0.0.1:5060",
  "SIP/2.0/UDP 127.0.0.1",
  "  SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKlead",
  "SIP / 2.0 / UDP 127.0.0.1:5060 ; branch = z9hG4bKspaced ; rport = 7",
  "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKv6;received=2001:db8::2",
  'SIP/2.0/UDP 127.0.0.1:5060;x="a;b,c";branch=z9hG4bKquoted',
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfirst, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKsecond",
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfirst, garbage",
  "SIP/2.0/UDP 127.0.0.1:5060;rport=000080;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:5060;rport=65536;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:5060;rport=abc;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:99999;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:5060;;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:5060;branch=",
  "SIP/2.0/UDP127.0.0.1:5060;branch=z9hG4bK6",
  "SIP/2.0 127.0.0.1:5060;branch=z9hG4bK6",
  "SIP/2.0/UDP :5060;branch=z9hG4bK6",
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK6 ",
  "SIP/2.0/UDP 127.0.0.1:5060;branch=z9\u00e9",
  "",
  "garbage",
];

describe("readTopVia", () => {
  it.each(VIAS)("agrees with parseVia on %j", (value) => {
    expect(fast(value)).toEqual(reference(value));
  });

  it("agrees with parseVia on every truncation and one-character change of a typical Via", () => {
    const base = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;received=198.51.100.1;rport=5070";
    const chars = [" ", ";", "=", ",", ":", '"', "[", "\t", "x", "9", "/"];
    for (let i = 0; i <= base.length; i++) {
      const cut = base.slice(0, i);
      expect(fast(cut), cut).toEqual(reference(cut));
      for (const ch of chars) {
        const changed = base.slice(0, i) + ch + base.slice(i + 1);
        expect(fast(changed), changed).toEqual(reference(changed));
      }
    }
  });
});

describe("cseqIs", () => {
  const cases: Array<[string, number, string]> = [
    ["1 REGISTER", 1, "REGISTER"],
    ["2 REGISTER", 1, "REGISTER"],
    ["1 OPTIONS", 1, "REGISTER"],
    ["1 REGISTERX", 1, "REGISTER"],
    ["01 REGISTER", 1, "REGISTER"],
    ["1   REGISTER ", 1, "REGISTER"],
    ["4294967295 REGISTER", 4294967295, "REGISTER"],
    ["1 register", 1, "REGISTER"],
  ];
  it.each(cases)("%j is (%d, %s) exactly when parseCSeq says so", (value, seq, method) => {
    const parsed = parseCSeq(value);
    expect(cseqIs(value, seq, method)).toBe(parsed.seq === seq && parsed.method === method);
  });

  it("throws like parseCSeq on a malformed value", () => {
    expect(() => cseqIs("REGISTER", 1, "REGISTER")).toThrow();
    expect(() => cseqIs("1", 1, "REGISTER")).toThrow();
  });
});
