import { parseMessage, SipRequest } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { BranchGenerator } from "./branch-generator.js";
import { encodeRequest, encodeRequestWithBranchId } from "./outgoing-request.js";

const base = {
  method: "REGISTER",
  requestUri: "sip:reg.test",
  headers:
    "To: <sip:alice@reg.test>\r\nFrom: <sip:alice@reg.test>;tag=1\r\nCSeq: 3 REGISTER\r\nCall-ID: c\r\nContent-Length: 0\r\n",
  callId: "c",
  cseq: 3,
  nextHop: "sip:reg.test",
};

describe("request bytes", () => {
  it("puts our Via first, then the caller's headers verbatim, then the empty line", () => {
    const bytes = encodeRequest(base, "udp", "192.0.2.1:5060", "z9hG4bKabc.1");
    expect(bytes.toString()).toBe(
      "REGISTER sip:reg.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc.1;rport\r\n" +
        base.headers +
        "\r\n",
    );
  });

  it("names TLS/TCP in Via, brackets IPv6 and appends a body byte for byte (UTF-8 headers included)", () => {
    const body = new Uint8Array([0x76, 0x3d, 0x30, 0xff]);
    const headers = base.headers
      .replace("Content-Length: 0", "Content-Length: 4")
      .replace("<sip:alice@", '"Zoë" <sip:alice@');
    const bytes = encodeRequest({ ...base, headers, body }, "tls", "[2001:db8::1]:5061", "z9hG4bKx");
    const msg = parseMessage(bytes);
    expect(msg).toBeInstanceOf(SipRequest);
    expect(msg.getHeader("Via")).toBe("SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx;rport");
    expect(msg.getHeader("To")).toBe('"Zoë" <sip:alice@reg.test>');
    expect([...msg.body]).toEqual([...body]);
  });

  it("writes a branch number as the generator's branch string would be written, digit for digit", () => {
    const ids = new BranchGenerator("0123456789abcdef");
    for (const id of [1, 9, 10, 35, 36, 1295, 1296, 46655, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      const direct = encodeRequestWithBranchId(base, "udp", "192.0.2.1:5060", ids.start, id);
      const viaString = encodeRequest(base, "udp", "192.0.2.1:5060", ids.branchOf(id));
      expect(direct.toString("latin1")).toBe(viaString.toString("latin1"));
      expect(ids.idOf(ids.branchOf(id))).toBe(id > 36 ** 10 ? -1 : id);
    }
  });

  it("writes the same bytes as the plain concatenation, whatever the sockets, branches, methods and URIs in turn", () => {
    const text = (req: typeof base, proto: "udp" | "tcp" | "tls", sentBy: string, branch: string) =>
      `${req.method} ${req.requestUri} SIP/2.0\r\nVia: SIP/2.0/${proto.toUpperCase()} ${sentBy};branch=${branch};rport\r\n${req.headers}\r\n`;
    const protos = ["udp", "tcp", "tls"] as const;
    const uris = ["sip:reg.test", "sip:zoë@reg.test", "sip:日本@reg.test;transport=tcp", "sip:a"];
    const methods = ["REGISTER", "OPTIONS", "X"];
    // 12 sent-by / branch pairs in turn: more than the encoder keeps, so every pair is encoded afresh again too.
    for (let n = 0; n < 60; n++) {
      const proto = protos[n % 3]!;
      const sentBy = n % 2 === 0 ? `192.0.2.${n % 4}:5060` : `[2001:db8::${n % 4}]:5061`;
      const branch = `z9hG4bK${n % 6}.`;
      const req = { ...base, method: methods[n % 3]!, requestUri: uris[n % 4]! };
      const bytes = encodeRequestWithBranchId(req, proto, sentBy, branch, n);
      expect(bytes.toString("utf8")).toBe(text(req, proto, sentBy, `${branch}${n.toString(36)}`));
      expect(bytes.length).toBe(Buffer.byteLength(text(req, proto, sentBy, `${branch}${n.toString(36)}`)));
    }
  });
});
