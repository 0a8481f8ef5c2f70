// Codec throughput on the registration hot path: parse a REGISTER 200 / 401 (and read what a registrant reads),
// and serialize a REGISTER. Uses the built package: `pnpm --filter @uacreg/sip build && node packages/sip/bench/codec.bench.mjs`.
import {
  callId,
  cseq,
  headerParam,
  parseContacts,
  parseMessage,
  SipRequest,
  serializeMessage,
  tag,
  topVia,
} from "@uacreg/sip";

import { RESPONSE_200, RESPONSE_401 } from "./registration-responses.mjs";

const REGISTER_FIELDS = [
  { name: "Via", value: "SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKbd39.046c4f5.0" },
  { name: "To", value: "<sip:alice@reg.example.com>" },
  { name: "From", value: "<sip:alice@reg.example.com>;tag=693ac" },
  { name: "CSeq", value: "2 REGISTER" },
  { name: "Call-ID", value: "bcd6f14aeef6c374aa74b69d163" },
  { name: "Max-Forwards", value: "70" },
  { name: "Content-Length", value: "0" },
  { name: "User-Agent", value: "uacreg/0.1" },
  {
    name: "Contact",
    value:
      '<sip:alice@192.0.2.10:5060>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>";expires=60',
  },
  {
    name: "Authorization",
    value:
      'Digest username="alice", realm="reg.example.com", nonce="5f4d3c2b1a09f8e7d6c5b4a39281706f", uri="sip:reg.example.com", opaque="0a1b2c3d4e5f", qop=auth, nc=00000001, cnonce="334409586", response="885f25ad74542202659fbd76c328278d", algorithm=MD5',
  },
];

let sink = 0;

function bench(label, fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 1_000_000_000n) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const perSec = Math.round((n * 1e9) / Number(elapsed));
  console.log(`${label.padEnd(58)} ${perSec.toLocaleString("en-US").padStart(12)} msg/s`);
}

console.log(`node ${process.version}; 401 = ${RESPONSE_401.length} B, 200 = ${RESPONSE_200.length} B`);

bench("parse 401 (status, top Via branch, CSeq, Call-ID, WWW-Auth)", () => {
  const m = parseMessage(RESPONSE_401);
  sink += m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + m.getHeader("www-authenticate").length;
});

bench("parse 200 (… + To-tag, Contact list with expires)", () => {
  const m = parseMessage(RESPONSE_200);
  sink += m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + tag(m.getHeader("to")).length;
  const c = parseContacts(m.getHeaders("contact")).contacts[0];
  sink += Number(headerParam(c.params, "expires"));
});

bench("parse 200, framing only (no header value read)", () => {
  sink += parseMessage(RESPONSE_200).status;
});

bench("build + serialize REGISTER with Authorization", () => {
  const req = new SipRequest({ method: "REGISTER", uri: "sip:reg.example.com", headers: REGISTER_FIELDS });
  sink += serializeMessage(req).length;
});

const registerBytes = serializeMessage(
  new SipRequest({ method: "REGISTER", uri: "sip:reg.example.com", headers: REGISTER_FIELDS }),
);
console.log(`(REGISTER = ${registerBytes.length} B; sink ${sink > 0 ? "ok" : "?"})`);
