import { describe, expect, it } from "vitest";
import { parseMessage, SipBuildError, SipParseError, SipRequest, SipResponse, serializeMessage } from "./index.js";

const crlf = (s: string): string => s.replace(/\n/g, "\r\n");

const REGISTER_200 = crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport=5060;received=203.0.113.9
v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnashds7
From: <sip:alice@example.com>;tag=a73kszlfl
To: <sip:alice@example.com>;tag=37GkEhwl6
Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.1
CSeq: 2 REGISTER
Contact: <sip:alice@192.0.2.1:5060>;expires=3600, <sip:alice@198.51.100.7>;expires=10
m: <sip:alice@[2001:db8::1]:5070;transport=tcp>;expires=60
Content-Length: 0

`);

describe("parseMessage", () => {
  it("reads a response: status, reason, headers in wire order, compact and repeated names", () => {
    const msg = parseMessage(REGISTER_200);
    expect(msg).toBeInstanceOf(SipResponse);
    const r = msg as SipResponse;
    expect([r.status, r.reason, r.version]).toEqual([200, "OK", "SIP/2.0"]);
    expect(r.headers.map((h) => h.name)).toEqual([
      "Via",
      "v",
      "From",
      "To",
      "Call-ID",
      "CSeq",
      "Contact",
      "m",
      "Content-Length",
    ]);
    expect(r.getHeaders("VIA")).toHaveLength(2);
    expect(r.getHeaders("contact")).toEqual([
      "<sip:alice@192.0.2.1:5060>;expires=3600, <sip:alice@198.51.100.7>;expires=10",
      "<sip:alice@[2001:db8::1]:5070;transport=tcp>;expires=60",
    ]);
    expect(r.getHeader("i")).toBe("1j9FpLxk3uxtm8tn@192.0.2.1");
    expect(r.getHeader("x-missing")).toBeUndefined();
    expect(r.hasHeader("cseq")).toBe(true);
  });

  it("accepts a string or bytes, and a Node Buffer", () => {
    const fromBytes = parseMessage(new TextEncoder().encode(REGISTER_200));
    const fromBuffer = parseMessage(Buffer.from(REGISTER_200));
    expect(fromBytes.headers).toEqual(parseMessage(REGISTER_200).headers);
    expect(fromBuffer.headers).toEqual(fromBytes.headers);
  });

  it("skips CRLFs before the start line (RFC 3261 §7.5)", () => {
    expect((parseMessage(`\r\n\r\n${REGISTER_200}`) as SipResponse).status).toBe(200);
  });

  it("unfolds continuation lines into one SP and trims the value (RFC 3261 §7.3.1)", () => {
    const msg = parseMessage(crlf("OPTIONS sip:a@b SIP/2.0\nSubject:   first\n \t second  \n\tthird\nl: 0\n\n"));
    expect(msg.getHeader("s")).toBe("first second third");
  });

  it("frames the body by Content-Length in bytes, UTF-8 in the head", () => {
    const body = "héllo";
    const bytes = new TextEncoder().encode(
      crlf(`MESSAGE sip:bob@example.com SIP/2.0\nSubject: café\nContent-Length: ${Buffer.byteLength(body)}\n\n`) +
        body +
        "trailing junk",
    );
    const msg = parseMessage(bytes);
    expect(msg.getHeader("subject")).toBe("café");
    expect(new TextDecoder().decode(msg.body)).toBe(body);
  });

  it("keeps a binary body with NUL octets intact", () => {
    const head = new TextEncoder().encode(crlf("MESSAGE sip:bob@example.com SIP/2.0\nContent-Length: 6\n\n"));
    const body = new Uint8Array([0, 1, 0xff, 0x0d, 0x0a, 0]);
    const input = new Uint8Array(head.length + body.length);
    input.set(head);
    input.set(body, head.length);
    const msg = parseMessage(input);
    expect(msg.body).toEqual(body);
    expect(serializeMessage(msg)).toEqual(input);
  });

  it("owns its body: changing the input afterwards does not change it", () => {
    const input = new TextEncoder().encode(crlf("MESSAGE sip:bob@example.com SIP/2.0\nContent-Length: 3\n\nabc"));
    const msg = parseMessage(input);
    input.fill(0x7a);
    expect(new TextDecoder().decode(msg.body)).toBe("abc");
    expect(parseMessage(crlf("OPTIONS sip:a@b SIP/2.0\nl: 0\n\n")).body).toHaveLength(0);
  });

  it("finds fields in any case, compact or long, with LWS before the colon and empty values", () => {
    const msg = parseMessage(
      crlf("OPTIONS sip:a@b SIP/2.0\nVIA \t:  SIP/2.0/UDP h;branch=z9hG4bK1 \nCALL-id:x\nSubject:\nI: y\nL: 0\n\n"),
    );
    expect(msg.getHeaders("Via")).toEqual(["SIP/2.0/UDP h;branch=z9hG4bK1"]);
    expect(msg.getHeaders("i")).toEqual(["x", "y"]);
    expect(msg.getHeader("SUBJECT")).toBe("");
    expect(msg.getHeader("s")).toBe("");
    expect(msg.getHeader("content-LENGTH")).toBe("0");
    expect(msg.headers.map((h) => h.name)).toEqual(["VIA", "CALL-id", "Subject", "I", "L"]);
    expect(new TextDecoder().decode(serializeMessage(msg))).toBe(
      crlf("OPTIONS sip:a@b SIP/2.0\nVIA: SIP/2.0/UDP h;branch=z9hG4bK1\nCALL-id: x\nSubject: \nI: y\nL: 0\n\n"),
    );
  });

  it("tolerates bare LF line ends", () => {
    const msg = parseMessage("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nl: 0\n\n");
    expect(msg.getHeader("via")).toBe("SIP/2.0/UDP h;branch=z9hG4bK1");
  });

  const bad: Array<[string, string]> = [
    ["empty input", ""],
    ["only CRLFs", "\r\n\r\n"],
    ["no space in the request line", "OPTIONS\r\n\r\n"],
    ["a status code of two digits", "SIP/2.0 20 OK\r\n\r\n"],
    ["a status code below 100", "SIP/2.0 099 Weird\r\n\r\n"],
    ["a bad version", "OPTIONS sip:a@b SIP/2\r\n\r\n"],
    ["a header without a colon", "OPTIONS sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n"],
    ["a continuation line first", "OPTIONS sip:a@b SIP/2.0\r\n folded\r\n\r\n"],
    ["a space in the header name", "OPTIONS sip:a@b SIP/2.0\r\nMax Forwards: 70\r\n\r\n"],
    ["a Content-Length that is not a number", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: five\r\n\r\n"],
    ["a head without an empty line", "OPTIONS sip:a@b SIP/2.0\r\nVia: x"],
  ];
  it.each(bad)("rejects %s with SipParseError", (_, text) => {
    expect(() => parseMessage(text)).toThrow(SipParseError);
  });

  it("reports an offset and a printable excerpt", () => {
    try {
      parseMessage("OPTIONS sip:a@b SIP/2.0\r\nBad\x01Name: x\r\n\r\n");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SipParseError);
      const err = e as SipParseError;
      expect(err.offset).toBe(28); // the \x01 where ":" was expected
      expect(err.excerpt).toContain("\\x01");
    }
  });

  it('reads the SIP-Version case-insensitively in ASCII only (RFC 3261 §7.1, §25: "SIP" is an ABNF literal)', () => {
    const lower = parseMessage("OPTIONS sip:a@b sip/2.0\r\nCall-ID: a\r\n\r\n") as SipRequest;
    expect(lower.version).toBe("sip/2.0");
    const req = parseMessage("OPTIONS sip:a@b Sip/2.0\r\nCall-ID: a\r\n\r\n") as SipRequest;
    expect(req.version).toBe("Sip/2.0");
    // U+017F (long s) and U+0131 (dotless i) upper-case to "S" and "I", but are not the ASCII letters.
    expect(() => parseMessage("OPTIONS sip:a@b \u017fIP/2.0\r\nCall-ID: a\r\n\r\n")).toThrow(SipParseError);
    expect(() => parseMessage("OPTIONS sip:a@b S\u0131P/2.0\r\nCall-ID: a\r\n\r\n")).toThrow(SipParseError);
  });

  it("keeps every parsed message's fields while thousands more are parsed, short heads and huge ones", () => {
    const kept: SipResponse[] = [];
    for (let n = 0; n < 3000; n++) {
      const extra = Array.from({ length: n % 23 }, (_, k) => `X-F${k}: v${n}-${k}\r\n`).join("");
      kept.push(parseMessage(`SIP/2.0 200 OK\r\nCall-ID: c${n}\r\n${extra}CSeq: ${n} REGISTER\r\n\r\n`) as SipResponse);
      if (n % 1000 === 7) {
        const many = Array.from({ length: 700 }, (_, k) => `X-M: ${n}.${k}\r\n`).join("");
        const big = parseMessage(`SIP/2.0 200 OK\r\n${many}Call-ID: big${n}\r\n\r\n`);
        expect(big.getHeaders("X-M")).toHaveLength(700);
        expect(big.getHeaders("X-M")[699]).toBe(`${n}.699`);
        expect(big.getHeader("Call-ID")).toBe(`big${n}`);
      }
    }
    // Past a whole block (its own array, grown twice), and heads refused half-way: nothing kept is overwritten.
    const huge = Array.from({ length: 3000 }, (_, k) => `X-H: ${k}\r\n`).join("");
    const hugeMsg = parseMessage(`SIP/2.0 200 OK\r\n${huge}Call-ID: huge\r\n\r\n`);
    for (let n = 0; n < 300; n++) {
      const fields = Array.from({ length: n % 40 }, (_, k) => `X-B: ${k}\r\n`).join("");
      expect(() => parseMessage(`SIP/2.0 200 OK\r\n${fields}Bad Name: x\r\n\r\n`)).toThrow(SipParseError);
      kept.push(
        parseMessage(
          `SIP/2.0 200 OK\r\nCall-ID: c${kept.length}\r\nCSeq: ${kept.length} REGISTER\r\n\r\n`,
        ) as SipResponse,
      );
    }
    expect(hugeMsg.getHeaders("X-H")).toEqual(Array.from({ length: 3000 }, (_, k) => String(k)));
    expect(hugeMsg.getHeader("Call-ID")).toBe("huge");
    kept.forEach((m, n) => {
      expect(m.getHeader("Call-ID")).toBe(`c${n}`);
      expect(m.getHeader("CSeq")).toBe(`${n} REGISTER`);
      if (n >= 3000) return;
      expect(m.headers).toHaveLength(2 + (n % 23));
      if (n % 23 > 0) expect(m.getHeader(`X-F${(n % 23) - 1}`)).toBe(`v${n}-${(n % 23) - 1}`);
    });
  });
});

describe("serializeMessage", () => {
  it("builds a REGISTER with the right Content-Length, in the position given", () => {
    const req = new SipRequest({
      method: "REGISTER",
      uri: "sip:registrar.example.com",
      headers: [
        { name: "Via", value: "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK74bf9" },
        { name: "Content-Length", value: "999" },
        { name: "CSeq", value: "1 REGISTER" },
      ],
      body: "x=1",
    });
    expect(new TextDecoder().decode(serializeMessage(req))).toBe(
      crlf(
        "REGISTER sip:registrar.example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK74bf9\nContent-Length: 3\nCSeq: 1 REGISTER\n\nx=1",
      ),
    );
  });

  it("appends Content-Length when absent and drops duplicates", () => {
    const res = new SipResponse({
      status: 200,
      reason: "OK",
      headers: [
        { name: "l", value: "4" },
        { name: "Content-Length", value: "7" },
      ],
    });
    expect(new TextDecoder().decode(serializeMessage(res))).toBe("SIP/2.0 200 OK\r\nl: 0\r\n\r\n");
    const bare = new SipResponse({ status: 100, reason: "Trying" });
    expect(new TextDecoder().decode(serializeMessage(bare))).toBe("SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n");
  });

  it("round-trips a parsed message with folded headers into a stable form", () => {
    const once = serializeMessage(parseMessage(crlf("OPTIONS sip:a@b SIP/2.0\nSubject: a\n  b\nl: 0\n\n")));
    expect(new TextDecoder().decode(once)).toBe("OPTIONS sip:a@b SIP/2.0\r\nSubject: a b\r\nl: 0\r\n\r\n");
    expect(serializeMessage(parseMessage(once))).toEqual(once);
  });
});

describe("building messages", () => {
  it("refuses header injection and values that cannot go on the wire", () => {
    const base = { method: "REGISTER", uri: "sip:h" };
    const cases: Array<[string, () => unknown]> = [
      ["header-value", () => new SipRequest({ ...base, headers: [{ name: "X", value: "a\r\nVia: evil" }] })],
      ["header-name", () => new SipRequest({ ...base, headers: [{ name: "Bad Name", value: "a" }] })],
      ["method", () => new SipRequest({ method: "REG ISTER", uri: "sip:h" })],
      ["uri", () => new SipRequest({ method: "REGISTER", uri: "sip:h x" })],
      ["status", () => new SipResponse({ status: 1000, reason: "x" })],
      ["reason", () => new SipResponse({ status: 200, reason: "OK\r\nX: y" })],
    ];
    for (const [field, build] of cases) {
      expect(build).toThrow(SipBuildError);
      try {
        build();
      } catch (e) {
        expect((e as SipBuildError).field).toBe(field);
      }
    }
  });
});
