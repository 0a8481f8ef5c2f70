import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cseqIs, echoedContactExpires, parseContacts, readTopVia, type TopViaFields } from "./index.js";
import { scanPlainVia } from "./top-via-fields.js";
import { contactEchoDisagreement, cseqDisagreement, topViaDisagreement } from "./test-support/fast-path-oracle.js";

/**
 * Differential property tests: each fast path of the codec (top Via fields, CSeq match, echoed Contact expiry) gives
 * the full parser's answer whenever it decides, on values built from the grammar's pieces and its near misses.
 */

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const ws = pick("", "", "", " ", "\t", "  ", "\r\n ");
const token = fc.oneof(
  pick("z9hG4bK776asdhds", "x", "a.b-c", "Z9HG4BK.1~2", "%41", "!*_+`'"),
  fc.string({ maxLength: 6 }),
);
const digits = fc.oneof(
  fc.integer({ min: 0, max: 70000 }).map(String),
  pick("", "0", "000080", "65535", "65536", "99999", "1234567", "4294967295", "4294967296", "12a"),
);
const hostArb = fc.oneof(
  pick("127.0.0.1", "192.0.2.10", "host.example.com", "[2001:db8::1]", "[::1", 'h"q', "h,h", "h;h", "h h", "é.x", ""),
  fc.string({ maxLength: 8 }),
);
const paramName = fc.oneof(
  pick("branch", "BRANCH", "Received", "received", "rport", "RPORT", "ttl", "maddr", "x"),
  token,
);
const paramValue = fc.oneof(
  pick("", "z9hG4bKabc", "192.0.2.7", "2001:db8::2", '"a;b,c"', "a b", "a,b", "\u00e9", "\u0001"),
  digits,
  token,
);
const param = fc
  .tuple(
    pick(";", ";", ";", " ; ", ";;", ",", ", SIP/2.0/UDP h"),
    paramName,
    pick("=", "=", "", " = ", "=="),
    paramValue,
  )
  .map(([sep, n, eq, v]) => `${sep}${n}${eq === "" ? "" : eq + v}`);
const plainVia = fc
  .tuple(
    pick("SIP/2.0/UDP", "SIP/2.0/TCP", "SIP/2.0/TLS"),
    pick("127.0.0.1", "192.0.2.10", "host.example.com"),
    pick("", ":5060", ":0", ":65535"),
    fc.array(
      fc
        .tuple(paramName, pick("=", ""), fc.oneof(pick("z9hG4bKabc", "192.0.2.7", "1", "5070", "65535"), token))
        .map(([n, eq, v]) => `;${n}${eq === "" ? "" : eq + v}`),
      { maxLength: 4 },
    ),
  )
  .map(([proto, host, port, params]) => `${proto} ${host}${port}${params.join("")}`);
const noisyVia = fc
  .tuple(
    ws,
    pick("SIP/2.0/UDP", "SIP/2.0/TCP", "sip/2.0/tls", "SIP / 2.0 / UDP", "SIP/2.0", "SIP/2.0/", "x/y/z"),
    pick(" ", " ", "\t", "", "  "),
    hostArb,
    fc.option(digits, { nil: undefined }),
    fc.array(param, { maxLength: 5 }),
    ws,
  )
  .map(([a, proto, gap, host, port, params, end]) =>
    [a, proto, gap, host, port === undefined ? "" : `:${port}`, ...params, end].join(""),
  );
const viaValue = fc.oneof(plainVia, noisyVia);

describe("top Via fields (RFC 3261 §20.42): the fast path equals parseVia whenever it decides", () => {
  it("on generated Via values", () => {
    let decided = 0;
    fc.assert(
      fc.property(viaValue, (value) => {
        const out: TopViaFields = { branch: undefined, received: undefined, rport: undefined };
        if (scanPlainVia(value, out)) decided++;
        expect(topViaDisagreement(value)).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
    // The property is not vacuous: a fair share of the values are plain enough for the fast path.
    expect(decided).toBeGreaterThan(1000);
  });

  it("on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        expect(topViaDisagreement(value)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("reads what a registrar sends back", () => {
    const out: TopViaFields = { branch: undefined, received: undefined, rport: undefined };
    readTopVia("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK77;received=198.51.100.1;rport=5070", out);
    expect(out).toEqual({ branch: "z9hG4bK77", received: "198.51.100.1", rport: 5070, sentBy: "192.0.2.10:5060" });
    readTopVia("SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bKv6", out);
    expect(out).toEqual({ branch: "z9hG4bKv6", received: undefined, rport: undefined, sentBy: "[2001:db8::1]:5060" });
  });
});

const methods = pick("REGISTER", "OPTIONS", "INVITE", "register", "REGISTERX", "R");
const cseqValue = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 70000 }), methods).map(([n, m]) => `${n} ${m}`),
  fc.tuple(ws, digits, pick(" ", " ", "", "\t", "  ", "\r\n "), fc.oneof(methods, token), ws).map((p) => p.join("")),
);

describe("CSeq match (RFC 3261 §20.16, §17.1.3): cseqIs equals parseCSeq", () => {
  it("on generated CSeq values", () => {
    let plain = 0;
    fc.assert(
      fc.property(cseqValue, fc.integer({ min: 0, max: 70000 }), pick("REGISTER", "OPTIONS", "register"), (v, s, m) => {
        if (/^\d{1,9} [A-Za-z]+$/.test(v)) plain++;
        expect(cseqDisagreement(v, s, m)).toBeUndefined();
        const seq = Number(/\d+/.exec(v)?.[0] ?? "0");
        expect(cseqDisagreement(v, seq, m)).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
    expect(plain).toBeGreaterThan(1000);
  });

  it("answers the plain case in place", () => {
    expect(cseqIs("7 REGISTER", 7, "REGISTER")).toBe(true);
    expect(cseqIs("7 REGISTER", 8, "REGISTER")).toBe(false);
    expect(cseqIs("7 OPTIONS", 7, "REGISTER")).toBe(false);
  });
});

const uriArb = fc
  .tuple(
    pick("sip:", "sips:", "sip:", "tel:", ""),
    pick("", "alice@", "a,b@", "a;b@", "%41@", "al ice@"),
    pick("127.0.0.1", "reg.test", "[2001:db8::1]", "h>x", "h<x"),
    pick("", ":5060", ":0", ":x"),
    pick("", ";transport=udp", ";lr", ";ob", ";expires=5"),
  )
  .map((p) => p.join(""));
const contactValue = (binding: string) =>
  fc.oneof(
    fc.oneof(digits, pick("3600", "1")).map((n) => `<${binding}>;expires=${n}`),
    fc
      .tuple(
        pick("<", "<", "", " <", '"A" <'),
        pick(binding, binding, binding.toUpperCase(), `${binding} `),
        pick(">", ">", "> ", ""),
        pick(";expires=", ";expires=", ";EXPIRES=", ";expires =", ";q=1;expires="),
        fc.oneof(digits, pick("3600", "00000000001", "99999999999")),
        pick("", "", ";q=0.5", ", <sip:x@y>", " "),
      )
      .map((p) => p.join("")),
  );

describe("echoed Contact expiry (RFC 3261 §20.10, §10.2.4): the fast path equals parseContacts whenever it decides", () => {
  it("on generated bindings and Contact values", () => {
    let decided = 0;
    fc.assert(
      fc.property(
        uriArb.chain((b) => fc.tuple(fc.constant(b), contactValue(b))),
        ([binding, value]) => {
          if (echoedContactExpires(value, binding) !== undefined) decided++;
          expect(contactEchoDisagreement(value, binding)).toBeUndefined();
        },
      ),
      { numRuns: 5000 },
    );
    expect(decided).toBeGreaterThan(500);
  });

  it("returns the digits of the echoed binding and decides nothing else", () => {
    const binding = "sip:alice@192.0.2.1:5060;transport=udp";
    expect(echoedContactExpires(`<${binding}>;expires=3600`, binding)).toBe("3600");
    expect(parseContacts([`<${binding}>;expires=3600`]).contacts[0]!.params.get("expires")).toBe("3600");
    expect(echoedContactExpires(`<${binding}>;expires=3600;q=1`, binding)).toBeUndefined();
    expect(echoedContactExpires(`<${binding}>;expires=`, binding)).toBeUndefined();
    expect(echoedContactExpires(`<sip:bob@192.0.2.1>;expires=60`, binding)).toBeUndefined();
  });
});
