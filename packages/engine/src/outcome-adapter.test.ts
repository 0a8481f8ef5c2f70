import type { OutgoingRequest } from "@uacreg/core";
import { parseMessage, type SipResponse } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { outboundRequest, outcomeEvent, outcomeProtocol, rejectedSend } from "./outcome-adapter.js";
import { congestionSignal } from "./record-dispatcher.js";

const request: OutgoingRequest = {
  method: "REGISTER",
  requestUri: "sip:reg.test",
  headers: "To: <sip:alice@reg.test>\r\n",
  callId: "c1",
  cseq: 3,
  nextHop: "sip:reg.test",
  destination: { family: "IPv6", address: "2001:db8::1", port: 5060 },
};
const ok = parseMessage(
  "SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 3 REGISTER\r\nContent-Length: 0\r\n\r\n",
) as SipResponse;

describe("outboundRequest", () => {
  it("pins the destination over the protocol of the last reply", () => {
    expect(outboundRequest(request, "tcp").destination).toEqual({ proto: "tcp", address: "2001:db8::1", port: 5060 });
  });

  it("lets the sender resolve when the protocol is not known", () => {
    const out = outboundRequest(request, undefined);
    expect(out.destination).toBeUndefined();
    expect(out).toMatchObject({ method: "REGISTER", callId: "c1", cseq: 3, nextHop: "sip:reg.test" });
  });
});

describe("outcomeProtocol", () => {
  it("takes the sender's proto, else the protocol the reply came over", () => {
    const remote = { proto: "tls", address: "192.0.2.1", port: 5061 };
    expect(outcomeProtocol({ kind: "response", response: ok, remote, proto: "tcp" })).toBe("tcp");
    expect(outcomeProtocol({ kind: "response", response: ok, remote })).toBe("tls");
    expect(outcomeProtocol({ kind: "response", response: ok, remote: { ...remote, proto: "sctp" } })).toBeUndefined();
    expect(outcomeProtocol({ kind: "timeout", proto: "udp" })).toBe("udp");
    expect(outcomeProtocol({ kind: "timeout" })).toBeUndefined();
  });
});

describe("outcomeEvent", () => {
  it("turns a reply into core's response event with the pin's address family", () => {
    const e = outcomeEvent({ kind: "response", response: ok, remote: { address: "2001:db8::1", port: 5060 } }, request);
    expect(e).toEqual({
      type: "response",
      response: ok,
      request, // the request itself identifies it (Call-ID, CSeq): no copy per outcome
      destination: { family: "IPv6", address: "2001:db8::1", port: 5060 },
    });
  });

  it("turns Timer F and a transport error into core's events for that request", () => {
    expect(outcomeEvent({ kind: "timeout" }, request)).toEqual({ type: "timeout", request });
    expect(outcomeEvent(rejectedSend("no route"), request)).toEqual({
      type: "transport-error",
      request,
      message: "no route",
    });
  });
});

describe("congestionSignal (docs/decisions.md, adaptive in-flight window)", () => {
  const remote = { address: "192.0.2.1", port: 5060 };
  it("a reply to the first copy is fine; a reply after retransmissions, a 503 or a timeout is congestion", () => {
    expect(congestionSignal({ kind: "response", response: ok, remote, retransmissions: 0 })).toBe("ok");
    expect(congestionSignal({ kind: "response", response: ok, remote })).toBe("ok");
    expect(congestionSignal({ kind: "response", response: ok, remote, retransmissions: 2 })).toBe("congestion");
    const busy = parseMessage("SIP/2.0 503 Busy\r\nContent-Length: 0\r\n\r\n") as SipResponse;
    expect(congestionSignal({ kind: "response", response: busy, remote, retransmissions: 0 })).toBe("congestion");
    expect(congestionSignal({ kind: "timeout", retransmissions: 9 })).toBe("congestion");
    expect(congestionSignal(rejectedSend(new Error("EMSGSIZE")))).toBe("neutral");
  });
});
