import { SILENT_LOGGER } from "@uacreg/runtime";
import { parseMessage, SipResponse } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { BranchGenerator } from "./branch-generator.js";
import type { LocalSocket } from "./local-socket.js";
import type { OutgoingRequest } from "./outgoing-request.js";
import type { Target } from "./rfc3263-resolver.js";
import type { SendJob } from "./send-job.js";
import { makeSocketSpec, type TransportProtocol } from "./socket-spec.js";
import { type ClientTransaction, TIMER_K_GRACE_MS, TransactionLayer } from "./transaction-layer.js";
import type { TransactionOutcome } from "./transaction-outcome.js";
import { transactionTimers } from "./transaction-timers.js";
import { TransportCounterSet } from "./transport-counters.js";

/** The layer on plain numbers (ms): no socket, no clock, no timer; the test is the driver that owns the one timer. */
function harness(proto: TransportProtocol = "udp") {
  const ids = new BranchGenerator("0123456789abcdef");
  const counters = new TransportCounterSet();
  const retransmitted: ClientTransaction[] = [];
  const ended: Array<{ job: SendJob; outcome: TransactionOutcome }> = [];
  const provisional: number[] = [];
  const filed: number[] = [];
  const layer = new TransactionLayer(transactionTimers(), ids, counters, SILENT_LOGGER, {
    retransmit: (tx) => retransmitted.push(tx),
    ended: (job, outcome) => ended.push({ job, outcome }),
    filed: (deadline) => filed.push(deadline),
  });
  const socket: LocalSocket = { spec: makeSocketSpec(proto, "127.0.0.1", 5060), sentBy: "127.0.0.1:5060" };
  const target: Target = { proto, address: "192.0.2.1", port: 5060 };
  const start = (now: number, callId = "call-1", cseq = 1) => {
    const req: OutgoingRequest = {
      method: "REGISTER",
      requestUri: "sip:reg.test",
      headers: "",
      callId,
      cseq,
      nextHop: "sip:192.0.2.1",
    };
    const job: SendJob = {
      req,
      hooks: { onProvisional: (r) => provisional.push(r.status) },
      resolve: () => {},
      forced: undefined,
      plan: [],
      attempt: 0,
      ended: false,
      overTcpForSize: false,
      tcpRefused: undefined,
    };
    return layer.start(job, ids.branch(), Buffer.from("REGISTER"), socket, target, now);
  };
  return { layer, counters, retransmitted, ended, provisional, filed, start };
}

function response(
  status: number,
  branch: string,
  o: { callId?: string; cseq?: string; via?: string } = {},
): SipResponse {
  const via = o.via ?? `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch};received=192.0.2.7;rport=40000`;
  const text =
    `SIP/2.0 ${status} Whatever\r\nVia: ${via}\r\nCall-ID: ${o.callId ?? "call-1"}\r\n` +
    `CSeq: ${o.cseq ?? "1 REGISTER"}\r\nContent-Length: 0\r\n\r\n`;
  const msg = parseMessage(Buffer.from(text));
  if (!(msg instanceof SipResponse)) throw new Error("not a response");
  return msg;
}

describe("the transaction layer, on plain numbers", () => {
  it("Timer E retransmits at T1, 2·T1, 4·T1… capped at T2, and Timer F times out at fr_timeout", () => {
    const h = harness();
    const tx = h.start(1000);
    expect(h.layer.nextDeadline()).toBe(1500);
    expect(h.filed).toEqual([1500]); // what the driver arms its one timer for
    h.layer.poll(1499);
    expect(h.retransmitted).toHaveLength(0);
    const fired: number[] = [];
    for (let d = h.layer.nextDeadline(); d !== undefined && d <= 31_000; d = h.layer.nextDeadline()) {
      h.layer.poll(d);
      fired.push(d - 1000);
    }
    // E at 500, 1500, 3500, 7500, then every T2 = 4000 ms until F at 30000.
    expect(fired).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 30_000]);
    expect(h.retransmitted).toEqual(Array(9).fill(tx));
    expect(h.ended).toHaveLength(1);
    expect(h.ended[0]!.outcome).toEqual({
      kind: "timeout",
      local: "udp:127.0.0.1:5060",
      proto: "udp",
      retransmissions: 9,
    });
    expect(h.counters.c.retransmissions).toBe(9);
    expect(h.counters.c.timeouts).toBe(1);
    expect(h.layer.nextDeadline()).toBeUndefined();
    expect(h.layer.size).toBe(0);
  });

  it("passes a 1xx to the TU and retransmits every T2 from then on (Proceeding)", () => {
    const h = harness();
    const tx = h.start(0);
    h.layer.onResponse(response(100, tx.branch), "192.0.2.1", 5060, 100);
    expect(h.provisional).toEqual([100]);
    expect(h.ended).toHaveLength(0);
    expect(h.layer.nextDeadline()).toBe(500);
    h.layer.poll(500);
    expect(h.layer.nextDeadline()).toBe(4500);
  });

  it("ends with the final response, then absorbs its retransmissions until Timer K (T4)", () => {
    const h = harness();
    const tx = h.start(0);
    h.layer.onResponse(response(200, tx.branch), "192.0.2.1", 5060, 200);
    expect(h.ended).toHaveLength(1);
    const o = h.ended[0]!.outcome;
    if (o.kind !== "response") throw new Error(o.kind);
    expect([o.response.status, o.local, o.proto, o.received, o.rport]).toEqual([
      200,
      "udp:127.0.0.1:5060",
      "udp",
      "192.0.2.7",
      40000,
    ]);
    expect(o.remote).toEqual({ proto: "udp", address: "192.0.2.1", port: 5060 });
    // Timer K (T4 = 5000 after the 200 at 200) may run up to its grace late; it forgets exactly what is due
    expect(h.layer.nextDeadline()).toBe(5200 + TIMER_K_GRACE_MS);
    h.layer.onResponse(response(200, tx.branch), "192.0.2.1", 5060, 3000);
    expect(h.ended).toHaveLength(1);
    expect(h.counters.c.responsesReceived).toEqual({ "2xx": 2 });
    expect(h.counters.c.unmatchedResponses).toBe(0);
    h.layer.poll(5200);
    expect(h.layer.nextDeadline()).toBeUndefined();
    h.layer.onResponse(response(200, tx.branch), "192.0.2.1", 5060, 6000);
    expect(h.counters.c.unmatchedResponses).toBe(1);
  });

  it("forgets a burst of completions a millisecond apart with one poll per Timer K grace, not one per completion", () => {
    const h = harness();
    for (let t = 0; t < 300; t++) {
      const tx = h.start(t, `call-${t}`);
      h.layer.onResponse(response(200, tx.branch, { callId: `call-${t}` }), "192.0.2.1", 5060, t + 10);
    }
    expect(h.ended).toHaveLength(300);
    // the driver's timer: poll at each deadline the layer reports, until nothing is left
    let polls = 0;
    for (let next = h.layer.nextDeadline(); next !== undefined; next = h.layer.nextDeadline()) {
      h.layer.poll(next);
      polls++;
    }
    expect(polls).toBeLessThanOrEqual(Math.ceil(300 / TIMER_K_GRACE_MS) + 1);
    expect(h.layer.size).toBe(0);
  });

  it("absorbs a retransmitted final response for T4, and forgets it once the driver polls after the grace", () => {
    const h = harness();
    const tx = h.start(0, "call-a");
    h.layer.onResponse(response(200, tx.branch, { callId: "call-a" }), "192.0.2.1", 5060, 10);
    expect(h.layer.nextDeadline()).toBe(5010 + TIMER_K_GRACE_MS);
    h.layer.onResponse(response(200, tx.branch, { callId: "call-a" }), "192.0.2.1", 5060, 5009);
    expect(h.counters.c.unmatchedResponses).toBe(0);
    h.layer.poll(5010 + TIMER_K_GRACE_MS);
    h.layer.onResponse(response(200, tx.branch, { callId: "call-a" }), "192.0.2.1", 5060, 5011 + TIMER_K_GRACE_MS);
    expect(h.counters.c.unmatchedResponses).toBe(1);
    expect(h.ended).toHaveLength(1);
  });

  it("terminates at once on a reliable transport: no Timer E, no Timer K", () => {
    const h = harness("tcp");
    const tx = h.start(0);
    expect(h.layer.nextDeadline()).toBe(30_000);
    h.layer.onResponse(response(200, tx.branch), "192.0.2.1", 5060, 10);
    expect(h.ended[0]!.outcome).toMatchObject({ kind: "response", local: "tcp:127.0.0.1:5060", proto: "tcp" });
    expect(h.layer.nextDeadline()).toBeUndefined();
    expect(h.layer.size).toBe(0);
  });

  it("matches on branch, CSeq method and number, and Call-ID (RFC 3261 §17.1.3)", () => {
    const h = harness();
    const tx = h.start(0, "call-1", 7);
    h.layer.onResponse(response(200, tx.branch, { cseq: "7 OPTIONS" }), "192.0.2.1", 5060, 1);
    h.layer.onResponse(response(200, tx.branch, { cseq: "8 REGISTER" }), "192.0.2.1", 5060, 1);
    h.layer.onResponse(response(200, tx.branch, { cseq: "7 REGISTER", callId: "other" }), "192.0.2.1", 5060, 1);
    h.layer.onResponse(response(200, "z9hG4bKnotours", { cseq: "7 REGISTER" }), "192.0.2.1", 5060, 1);
    expect(h.ended).toHaveLength(0);
    expect(h.counters.c.unmatchedResponses).toBe(4);
    expect(h.counters.c.dropped).toBe(4);
    // A Via that is not plain goes through the full parser and still matches.
    const spaced = `SIP / 2.0 / UDP 127.0.0.1:5060 ; branch = ${tx.branch}`;
    h.layer.onResponse(response(200, tx.branch, { cseq: "7  REGISTER", via: spaced }), "192.0.2.1", 5060, 2);
    expect(h.ended).toHaveLength(1);
  });

  it("ends a transaction on a transport error with the socket, and every one when the transport closes", () => {
    const h = harness();
    const a = h.start(0, "a");
    h.start(0, "b");
    h.layer.onTransportError(a, new Error("send failed"));
    expect(h.ended[0]!.outcome).toMatchObject({ kind: "transport-error", local: "udp:127.0.0.1:5060", proto: "udp" });
    expect(h.counters.c.transportErrors).toBe(1);
    h.layer.closeAll(new Error("closed"));
    expect(h.ended.map((e) => e.outcome.kind)).toEqual(["transport-error", "transport-error"]);
    expect(h.layer.nextDeadline()).toBeUndefined();
  });
});
