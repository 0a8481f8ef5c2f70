// Heap kept per client transaction in flight (issue 14: what the scavenger copies while a burst of 2,000 requests
// waits for answers). N REGISTERs (built beforehand, so their own bytes are not counted) are sent over real UDP to a
// socket that never answers, on a virtual clock (no timer fires); after the outbox flushed, the growth of the heap
// after a full GC, divided by N, is what the transport keeps per transaction (promise, send job, transaction, request
// bytes, table slots). Figures, not assertions.
//
//   node --expose-gc packages/transport/bench/inflight-heap.bench.mjs   (N=…; a path argument: another build's index.js)
import dgram from "node:dgram";
import { once } from "node:events";
import { VirtualClock } from "@uacreg/runtime/testing";

const { SipTransport } = await import(process.argv[2] ?? "@uacreg/transport");
const gc = globalThis.gc ?? (() => {});
const N = Number(process.env.N ?? 8000);
const hole = dgram.createSocket("udp4");
hole.bind(0, "127.0.0.1");
await once(hole, "listening");
hole.on("message", () => {});
const port = hole.address().port;
const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], clock: new VirtualClock(), udpBufferBytes: 64 << 20 });
const request = (i) => ({
  method: "REGISTER",
  requestUri: `sip:127.0.0.1:${port}`,
  headers: [
    `To: <sip:user${i}@bench.test>`,
    `From: <sip:user${i}@bench.test>;tag=${i}abcdef`,
    "CSeq: 2 REGISTER",
    `Call-ID: ${i}0123456789abcdef@bench`,
    "Max-Forwards: 70",
    `Contact: <sip:user${i}@127.0.0.1:5099>;expires=3600`,
    "Content-Length: 0",
    "",
  ].join("\r\n"),
  callId: `${i}0123456789abcdef@bench`,
  cseq: 2,
  nextHop: `sip:127.0.0.1:${port}`,
});
const turns = async (n) => {
  for (let k = 0; k < n; k++) await new Promise((r) => setImmediate(r));
};
// Warm-up: 500 transactions stay in flight too; only the second batch is measured.
const warm = Array.from({ length: 500 }, (_, i) => t.send(request(i)));
await turns(5);
const reqs = Array.from({ length: N }, (_, i) => request(i + 1000));
gc();
gc();
const before = process.memoryUsage().heapUsed;
const sent = reqs.map((r) => t.send(r));
await turns(20);
gc();
gc();
const after = process.memoryUsage().heapUsed;
console.log(`heap kept per transaction in flight: ${((after - before) / N).toFixed(0)} B (N=${N})`);
await t.close();
hole.close();
await Promise.all([...warm, ...sent]);
