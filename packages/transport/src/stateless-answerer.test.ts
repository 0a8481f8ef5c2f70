import { SILENT_LOGGER } from "@uacreg/runtime";
import { parseMessage, type SipRequest, SipResponse } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { StatelessTagger } from "./stateless-tag.js";
import { StatelessAnswerer } from "./stateless-answerer.js";
import { TransportCounterSet } from "./transport-counters.js";

function request(method: string, extra = "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp;rport\r\n"): SipRequest {
  const msg = parseMessage(
    `${method} sip:alice@127.0.0.1 SIP/2.0\r\n${extra}From: <sip:reg@x>;tag=1\r\nTo: <sip:alice@x>\r\n` +
      `Call-ID: ping-1\r\nCSeq: 7 ${method}\r\nContent-Length: 0\r\n\r\n`,
  );
  if (msg instanceof SipResponse) throw new Error("not a request");
  return msg;
}

describe("the stateless answerer, without sockets", () => {
  const setup = () => {
    const counters = new TransportCounterSet();
    const answerer = new StatelessAnswerer(new StatelessTagger(Buffer.alloc(32, 7)), counters, SILENT_LOGGER, "uacreg");
    const sent: string[] = [];
    const reply = (bytes: Buffer) => {
      sent.push(bytes.toString("utf8"));
      return true;
    };
    return { counters, answerer, sent, reply };
  };

  it("answers OPTIONS 200, a known method 405 and an unknown one 501, to the source (RFC 3581 §4)", () => {
    const { counters, answerer, sent, reply } = setup();
    answerer.answer(request("OPTIONS"), "198.51.100.7", 40000, reply);
    answerer.answer(request("INVITE"), "198.51.100.7", 40000, reply);
    answerer.answer(request("FROB"), "198.51.100.7", 40000, reply);
    expect(sent.map((t) => t.split("\r\n")[0])).toEqual([
      "SIP/2.0 200 OK",
      "SIP/2.0 405 Method Not Allowed (registration client only)",
      "SIP/2.0 501 Not Implemented",
    ]);
    expect(sent[0]).toContain("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp;rport=40000;received=198.51.100.7\r\n");
    expect(sent[0]).toContain("Server: uacreg\r\n");
    expect(counters.c.requestsReceived).toEqual({ OPTIONS: 1, INVITE: 1, other: 1 });
    expect(counters.c.responsesSent).toEqual({ "2xx": 1, "4xx": 1, "5xx": 1 });
  });

  it("never answers ACK, drops a request without Via, and counts only answers that went out", () => {
    const { counters, answerer, sent, reply } = setup();
    answerer.answer(request("ACK"), "198.51.100.7", 40000, reply);
    answerer.answer(request("OPTIONS", ""), "198.51.100.7", 40000, reply);
    answerer.answer(request("OPTIONS"), "198.51.100.7", 40000, () => false);
    expect(sent).toEqual([]);
    expect(counters.c.dropped).toBe(1);
    expect(counters.c.responsesSent).toEqual({});
    expect(counters.c.requestsReceived).toEqual({ ACK: 1, OPTIONS: 2 });
  });
});
