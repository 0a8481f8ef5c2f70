// Heap bytes allocated per parse of the registration responses (REGISTER 401 / 200), alone and with what a
// registrant reads. Measured as the growth of heapUsed over 10,000 parses inside a young generation large enough that
// no scavenge runs (best of 5). Run after a build: node packages/sip/bench/parse-alloc.bench.mjs (it re-runs itself
// with --expose-gc and a 128 MB semi-space).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseMessage, topVia, cseq, callId, tag, parseContacts, headerParam } from "@uacreg/sip";
const crlf = (s) => s.replace(/\n/g, "\r\n");
const R401 = Buffer.from(
  crlf(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKed39.76ec0a07.0;rport=5060;received=192.0.2.10
From: <sip:alice@reg.example.com>;tag=693ac
To: <sip:alice@reg.example.com>;tag=as1d07559a
Call-ID: bcd6f14aeef6c374aa74b69d163
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="reg.example.com", nonce="5f4d3c2b1a09f8e7d6c5b4a39281706f", opaque="0a1b2c3d4e5f", qop="auth", algorithm=MD5
Server: ExampleRegistrar/2.1
Content-Length: 0

`),
);
const R200 = Buffer.from(
  crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbd39.046c4f5.0;rport=5060;received=192.0.2.10
From: <sip:alice@reg.example.com>;tag=693ac
To: <sip:alice@reg.example.com>;tag=as1d07559a
Call-ID: bcd6f14aeef6c374aa74b69d163
CSeq: 2 REGISTER
Contact: <sip:alice@192.0.2.10:5060>;expires=120;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"
Date: Thu, 26 Nov 2026 07:30:00 GMT
Server: ExampleRegistrar/2.1
Content-Length: 0

`),
);
let sink = 0;
const cases = {
  "parse 401 only": () => {
    sink += parseMessage(R401).status;
  },
  "parse 200 only": () => {
    sink += parseMessage(R200).status;
  },
  "401 + reads": () => {
    const m = parseMessage(R401);
    sink +=
      m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + m.getHeader("www-authenticate").length;
  },
  "200 + reads": () => {
    const m = parseMessage(R200);
    sink += m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + tag(m.getHeader("to")).length;
    sink += Number(headerParam(parseContacts(m.getHeaders("contact")).contacts[0].params, "expires"));
  },
};
if (typeof globalThis.gc !== "function" || !process.execArgv.some((a) => a.startsWith("--min-semi-space-size"))) {
  const flags = ["--expose-gc", "--min-semi-space-size=128", "--max-semi-space-size=128"];
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
const N = 10000;
for (const [label, fn] of Object.entries(cases)) {
  for (let i = 0; i < 50000; i++) fn();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    gc();
    gc();
    const a = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) fn();
    const b = process.memoryUsage().heapUsed;
    best = Math.min(best, (b - a) / N);
  }
  const t0 = process.cpuUsage();
  for (let i = 0; i < 200000; i++) fn();
  const t = process.cpuUsage(t0);
  console.log(
    label.padEnd(20),
    "bytes/parse",
    best.toFixed(0).padStart(6),
    "  µs/op",
    ((t.user + t.system) / 200000).toFixed(3),
  );
}

console.log(`(node ${process.version}; sink ${sink > 0 ? "ok" : "?"})`);
