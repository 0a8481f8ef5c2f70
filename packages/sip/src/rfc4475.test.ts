import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allVias,
  callId,
  cseq,
  isSipUri,
  parseContacts,
  parseDeltaSeconds,
  parseMessage,
  parseNameAddr,
  parseRetryAfter,
  parseUri,
  serializeMessage,
  SipParseError,
  type SipRequest,
  type SipResponse,
  tag,
} from "./index.js";
import { messageDisagreement } from "./test-support/fast-path-oracle.js";

const dir = join(import.meta.dirname, "fixtures", "rfc4475");
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, `${name}.sip`)));
const parse = (name: string): SipRequest | SipResponse => parseMessage(load(name));
const req = (name: string): SipRequest => parse(name) as SipRequest;

/** Every typed accessor a registrant or a UAS would call. Only SipParseError may come out of it. */
function readEverything(msg: SipRequest | SipResponse): void {
  if ("uri" in msg) parseUri(msg.uri);
  allVias(msg);
  cseq(msg);
  callId(msg);
  for (const h of ["from", "to"]) {
    const v = msg.getHeader(h);
    if (v !== undefined) {
      parseNameAddr(v);
      tag(v);
    }
  }
  parseContacts(msg.getHeaders("contact"));
  const e = msg.getHeader("expires");
  if (e !== undefined) parseDeltaSeconds(e);
  const r = msg.getHeader("retry-after");
  if (r !== undefined) parseRetryAfter(r);
}

describe("RFC 4475 fixtures", () => {
  it("holds the 48 messages we transcribed", () => {
    expect(readdirSync(dir).filter((f) => f.endsWith(".sip"))).toHaveLength(48);
  });
});

describe("RFC 4475 fixtures through the fast paths", () => {
  it("top Via fields, CSeq match and echoed Contact expiry agree with the full parsers on every message", () => {
    const names = readdirSync(dir).filter((f) => f.endsWith(".sip"));
    let read = 0;
    for (const f of names) {
      let msg: SipRequest | SipResponse;
      try {
        msg = parseMessage(load(f.slice(0, -".sip".length)));
      } catch (e) {
        if (e instanceof SipParseError) continue;
        throw e;
      }
      read++;
      expect(messageDisagreement(msg), f).toBeUndefined();
    }
    expect(read).toBeGreaterThan(30);
  });
});

describe("RFC 4475 §3.1.1 valid messages: all parse, and every accessor succeeds", () => {
  const valid = [
    "wsinv",
    "intmeth",
    "esc01",
    "escnull",
    "esc02",
    "lwsdisp",
    "longreq",
    "dblreq",
    "semiuri",
    "transports",
    "unreason",
    "noreason",
  ];
  for (const name of valid) {
    it(`${name} parses, reads and round-trips`, () => {
      const msg = parse(name);
      readEverything(msg);
      const again = parseMessage(serializeMessage(msg));
      expect(again.headers).toEqual(msg.headers);
      expect(again.body).toEqual(msg.body);
    });
  }

  it("wsinv: folding, compact forms, odd case and LWS everywhere", () => {
    const msg = req("wsinv");
    expect(msg.method).toBe("INVITE");
    expect(parseUri(msg.uri)).toMatchObject({ user: "vivekg", host: "chair-dnrc.example.com" });
    expect(tag(msg.getHeader("To"))).toBe("1918181833n");
    const from = parseNameAddr(msg.getHeader("From")!);
    expect(from.displayName).toBe('J Rosenberg \\"');
    expect(from.params.get("tag")).toBe("98asjd8");
    expect(msg.getHeader("max-forwards")).toBe("0068");
    expect(cseq(msg)).toEqual({ seq: 9, method: "INVITE" });
    expect(msg.getHeader("subject")).toBe("");
    expect(msg.getHeader("NewFangledHeader")).toBe("newfangled value continued newfangled value");
    expect(msg.getHeader("unknownheaderwithunusualvalue")).toBe(";;,,;;,;");
    expect(msg.getHeaders("via")).toHaveLength(2);
    const vias = allVias(msg);
    expect(vias.map((v) => [v.protocol, v.host, v.branch])).toEqual([
      ["SIP/2.0/UDP", "192.0.2.2", "390skdjuw"],
      ["SIP/2.0/TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["SIP/2.0/UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    const { contacts } = parseContacts(msg.getHeaders("m"));
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.displayName).toBe('Quoted string ""');
    expect([...contacts[0]!.params]).toEqual([
      ["newparam", "newvalue"],
      ["secondparam", null],
      ["q", "0.33"],
    ]);
    expect(msg.body).toHaveLength(150);
  });

  it("intmeth: unusual characters in method, URI, display name, Call-ID and a UTF-8 header", () => {
    const msg = req("intmeth");
    expect(msg.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = parseUri(msg.uri);
    expect(uri).toMatchObject({
      user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
      password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
      host: "example.com",
    });
    expect(parseNameAddr(msg.getHeader("to")!).displayName).toBe("BEL:\x07 NUL:\x00 DEL:\x7f");
    const from = parseNameAddr(msg.getHeader("from")!);
    expect(from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(from.params.get("fromparam''~+*_!.-%")).toBe('"работающий"');
    expect(tag(msg.getHeader("from"))).toBe("_token~1'+`*%!-.");
    expect(callId(msg)).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(msg.getHeader("extensionHeader-!.%*+_`'~")).toBe("\ufeff大停電");
    expect(allVias(msg)[0]!.branch).toBe("z9hG4bK-.!%66*_+`'~");
  });

  it("esc01 and escnull: %-escapes are decoded once in URIs, nulls included", () => {
    const esc01 = req("esc01");
    expect(parseUri(esc01.uri)).toMatchObject({ user: "sips:user@example.com", host: "example.net" });
    expect(parseUri(parseNameAddr(esc01.getHeader("to")!).uri)).toMatchObject({ user: "user" });
    const contact = parseUri(parseContacts(esc01.getHeaders("contact")).contacts[0]!.uri);
    expect(isSipUri(contact) && [...contact.params]).toEqual([
      ["lr", null],
      ["name", "value%41"],
    ]);
    const escnull = req("escnull");
    const users = parseContacts(escnull.getHeaders("contact")).contacts.map((c) => {
      const u = parseUri(c.uri);
      return isSipUri(u) ? u.user : undefined;
    });
    expect(users).toEqual(["\x00", "\x00\x00"]);
  });

  it("esc02: % is not an escape in the method, display names or header names", () => {
    const msg = req("esc02");
    expect(msg.method).toBe("RE%47IST%45R");
    expect(parseNameAddr(msg.getHeader("to")!).displayName).toBe("%Z%45");
    expect(msg.getHeaders("contact")).toHaveLength(2);
    expect(msg.getHeader("C%6Fntact")).toBe("<sip:alias2@host2.example.com>");
  });

  it("lwsdisp: a token display name directly followed by '<'", () => {
    expect(parseNameAddr(req("lwsdisp").getHeader("from")!).displayName).toBe("caller");
  });

  it("longreq: 34 Vias across every spelling of the name, long values", () => {
    const msg = req("longreq");
    const vias = allVias(msg);
    expect(vias).toHaveLength(34);
    expect(vias[0]!.host).toBe("sip33.example.com");
    expect(vias[33]!.received).toBe("192.0.2.5");
    expect(tag(msg.getHeader("f"))).toMatch(/^12(982)+424$/);
    const to = parseUri(parseNameAddr(msg.getHeader("to")!).uri);
    expect(isSipUri(to) && to.port).toBe(6000);
  });

  it("dblreq: the octets after Content-Length are ignored (RFC 3261 §18.3)", () => {
    const msg = req("dblreq");
    expect(msg.method).toBe("REGISTER");
    expect(msg.body).toHaveLength(0);
    expect(callId(msg)).toBe("dblreq.0ha0isndaksdj99sdfafnl3lk233412");
  });

  it("semiuri: a ';' in the user part, and a folded Accept list", () => {
    const msg = req("semiuri");
    expect(parseUri(msg.uri)).toMatchObject({ user: "user;par=u@example.net", host: "example.com" });
    expect(msg.getHeader("accept")).toBe(
      "application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag",
    );
  });

  it("transports: every transport token is kept", () => {
    expect(allVias(req("transports")).map((v) => v.transport)).toEqual(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
  });

  it("unreason and noreason: any UTF-8 reason phrase, or none", () => {
    const unreason = parse("unreason") as SipResponse;
    expect(unreason.status).toBe(200);
    expect(unreason.reason).toBe("= 2**3 * 5**2 но сто девяносто девять - простое");
    const noreason = parse("noreason") as SipResponse;
    expect([noreason.status, noreason.reason]).toEqual([100, ""]);
  });
});

function parseError(f: () => unknown): SipParseError {
  try {
    f();
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error("expected a SipParseError");
}

describe("RFC 4475 §3.1.2 invalid messages: rejected, or representable as the RFC allows", () => {
  it.each(["clerr", "ncl", "ltgtruri", "lwsruri", "lwsstart", "trws", "bigcode"])(
    "%s is rejected by parseMessage",
    (name) => {
      const e = parseError(() => parse(name));
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(typeof e.excerpt).toBe("string");
    },
  );

  it("badinv01: the empty Via and Contact parameters are rejected by their parsers", () => {
    const msg = parse("badinv01");
    parseError(() => allVias(msg));
    parseError(() => parseContacts(msg.getHeaders("contact")));
  });

  it("scalar02 / scalarlg: out-of-range CSeq is rejected; delta-seconds clamp to 2**32-1", () => {
    const scalar02 = parse("scalar02");
    parseError(() => cseq(scalar02));
    expect(parseDeltaSeconds(scalar02.getHeader("expires")!)).toBe(0xffffffff);
    const contact = parseContacts(scalar02.getHeaders("contact")).contacts[0]!;
    expect(parseDeltaSeconds(contact.params.get("expires")!)).toBe(0xffffffff);
    const scalarlg = parse("scalarlg");
    parseError(() => cseq(scalarlg));
    expect(parseRetryAfter(scalarlg.getHeader("retry-after")!)).toEqual({ seconds: 0xffffffff });
  });

  it("quotbal, regbadct, baddn: the address parsers reject them", () => {
    parseError(() => parseNameAddr(parse("quotbal").getHeader("to")!));
    parseError(() => parseContacts(parse("regbadct").getHeaders("contact")));
    parseError(() => parseNameAddr(parse("baddn").getHeader("from")!));
  });

  it("badaspec: spaces inside '<>' are ignored (liberal, RFC 4475 §3.1.2.15 allows it)", () => {
    expect(parseNameAddr(parse("badaspec").getHeader("to")!).uri).toBe("sip:t.watson@example.org");
  });

  it("escruri: headers in the Request-URI are parsed, left to the application to refuse", () => {
    const uri = parseUri(req("escruri").uri);
    expect(isSipUri(uri) && uri.headers.get("Route")).toBe("<sip:example.com>");
  });

  it("baddate: the Date value is not interpreted by the codec", () => {
    expect(parse("baddate").getHeader("date")).toBe("Fri, 01 Jan 2010 16:00:00 EST");
  });

  it("badvers: the version is kept so that a UAS can answer 505", () => {
    const msg = req("badvers");
    expect(msg.version).toBe("SIP/7.0");
    expect(allVias(msg)[0]!.protocol).toBe("SIP/7.0/UDP");
  });

  it("mismatch01 / mismatch02: start line and CSeq methods differ, visible to the transaction layer", () => {
    for (const name of ["mismatch01", "mismatch02"]) {
      const msg = req(name);
      expect(cseq(msg)!.method).not.toBe(msg.method);
    }
  });
});

describe("RFC 4475 §3.2–§3.4 transaction and application layer messages", () => {
  it.each([
    "badbranch",
    "insuf",
    "unkscm",
    "novelsc",
    "unksm2",
    "bext01",
    "invut",
    "regaut01",
    "multi01",
    "bcast",
    "zeromf",
    "cparam01",
    "cparam02",
    "regescrt",
    "sdp01",
    "inv2543",
  ])("%s parses and reads", (name) => {
    readEverything(parse(name));
  });

  it("mcl01: two different Content-Length values are rejected", () => {
    parseError(() => parse("mcl01"));
  });

  it("insuf: missing mandatory headers are simply absent", () => {
    const msg = parse("insuf");
    expect([msg.getHeader("from"), msg.getHeader("to"), callId(msg)]).toEqual([undefined, undefined, undefined]);
  });

  it("unkscm / novelsc / unksm2: other URI schemes are kept opaque", () => {
    expect(parseUri(req("unkscm").uri)).toEqual({
      scheme: "nobodyknowsthisscheme",
      opaque: "totallyopaquecontent",
      raw: "nobodyKnowsThisScheme:totallyopaquecontent",
    });
    expect(parseUri(req("novelsc").uri)).toMatchObject({ scheme: "soap.beep" });
    const unksm2 = parse("unksm2");
    expect(parseUri(parseNameAddr(unksm2.getHeader("to")!).uri)).toMatchObject({ scheme: "isbn" });
    expect(parseContacts(unksm2.getHeaders("contact")).contacts[0]!.uri).toBe("name:John_Smith");
  });

  it("multi01: repeated single-valued headers are all kept, in order", () => {
    expect(parse("multi01").getHeaders("call-id")).toEqual(["multi01.98asdh@192.0.2.1", "multi01.98asdh@192.0.2.2"]);
  });

  it("cparam01 / cparam02: in addr-spec form ';unknownparam' is a header parameter, in name-addr a URI parameter", () => {
    const c1 = parseContacts(parse("cparam01").getHeaders("contact")).contacts[0]!;
    expect([c1.uri, c1.params.has("unknownparam")]).toEqual(["sip:+19725552222@gw1.example.net", true]);
    const c2 = parseContacts(parse("cparam02").getHeaders("contact")).contacts[0]!;
    expect([c2.uri, c2.params.size]).toEqual(["sip:+19725552222@gw1.example.net;unknownparam", 0]);
  });

  it("badbranch: a bare magic cookie is returned as is", () => {
    expect(allVias(parse("badbranch"))[0]!.branch).toBe("z9hG4bK");
  });

  it("inv2543: without Content-Length the datagram body runs to its end", () => {
    const msg = parse("inv2543");
    expect(msg.body).toHaveLength(105);
    expect(allVias(msg)[0]!.branch).toBeUndefined();
  });
});
