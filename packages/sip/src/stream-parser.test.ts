import { describe, expect, it } from "vitest";
import { SipParseError, SipRequest, SipResponse, SipStreamParser } from "./index.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const REQ = "OPTIONS sip:a@h SIP/2.0\r\nCall-ID: one\r\nContent-Length: 5\r\n\r\nhello";
const RES = "SIP/2.0 200 OK\r\nCall-ID: two\r\nl: 0\r\n\r\n";

describe("SipStreamParser (RFC 3261 §18.3 framing)", () => {
  it("yields nothing until a whole message is there, then the message", () => {
    const p = new SipStreamParser();
    const bytes = enc(REQ);
    const got: Array<SipRequest | SipResponse> = [];
    for (let i = 0; i < bytes.length; i++) got.push(...p.push(bytes.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(SipRequest);
    expect(new TextDecoder().decode(got[0]!.body)).toBe("hello");
    expect(p.buffered).toBe(0);
  });

  it("yields several messages from one chunk and skips CRLF keep-alives between them", () => {
    const p = new SipStreamParser();
    const got = p.push(enc(`\r\n\r\n${REQ}\r\n\r\n${RES}\r\n`));
    expect(got.map((m) => m.getHeader("call-id"))).toEqual(["one", "two"]);
    expect(got[1]).toBeInstanceOf(SipResponse);
    expect(p.push(enc("\r\n"))).toEqual([]);
  });

  it("keeps a partial next message buffered", () => {
    const p = new SipStreamParser();
    expect(p.push(enc(REQ + RES.slice(0, 10)))).toHaveLength(1);
    expect(p.buffered).toBe(10);
    expect(p.push(enc(RES.slice(10)))).toHaveLength(1);
  });

  it("requires Content-Length, and then refuses further input", () => {
    const p = new SipStreamParser();
    expect(() => p.push(enc("SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n"))).toThrow(SipParseError);
    expect(() => p.push(enc(RES))).toThrow(SipParseError);
  });

  it("bounds the head and the message size", () => {
    const head = new SipStreamParser({ maxHeadBytes: 64 });
    expect(() => head.push(enc(`OPTIONS sip:a@h SIP/2.0\r\nX: ${"a".repeat(100)}`))).toThrow(SipParseError);
    // Refused as soon as the head announces too large a body, before buffering it.
    const whole = new SipStreamParser({ maxMessageBytes: 100 });
    expect(() => whole.push(enc("SIP/2.0 200 OK\r\nContent-Length: 1000\r\n\r\n"))).toThrow(SipParseError);
  });
});

describe("SipStreamParser under slow input", () => {
  it("stays linear when a large message arrives one octet at a time", () => {
    const body = "x".repeat(200_000);
    const msg = enc(
      `MESSAGE sip:a@h SIP/2.0\r\nX: ${"y".repeat(30_000)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const p = new SipStreamParser();
    let got = 0;
    for (let i = 0; i < msg.length; i += 1) got += p.push(msg.subarray(i, i + 1)).length;
    expect(got).toBe(1);
  });
});
