// Time per input byte of every network-facing parser (and of the transport's stateless answer), at 1 KiB, 16 KiB and
// 64 KiB of adversarial input: a linear parser shows about the same ns/byte at every size, a quadratic one 64 times
// more at 64 KiB. The deterministic check (work counted, not timed) is src/linear-work.test.ts. Uses the built packages:
// `pnpm --filter @uacreg/sip build && pnpm --filter @uacreg/transport build && node packages/sip/bench/linear-parsing.bench.mjs`.
import {
  parseContacts,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseNameAddrList,
  parseRetryAfter,
  parseUri,
  parseVia,
  readTopVia,
} from "@uacreg/sip";
// The transport is not a dependency of this package: its built output is read by path (bench only).
import { buildStatelessResponse } from "../../transport/dist/index.js";

const UNITS = [
  "<",
  '"',
  '\\"',
  "\\",
  ";",
  ",",
  ",,",
  " ",
  ";a",
  "%",
  "%%",
  ";a=%41",
  ";p=" + "v".repeat(256),
  "a".repeat(64),
];

function statelessAnswer(to) {
  const headers = {
    Via: ["SIP/2.0/UDP h;rport;branch=z9hG4bK1"],
    From: ["<sip:a@x>;tag=f"],
    To: [to],
    "Call-ID": ["id"],
    CSeq: ["1 OPTIONS"],
  };
  return buildStatelessResponse(
    { method: "OPTIONS", getHeaders: (n) => headers[n] ?? [] },
    200,
    "OK",
    { address: "127.0.0.1", port: 5 },
    "t",
  );
}

const PARSERS = {
  statelessAnswer,
  parseUri: (v) => parseUri(`sip:h${v}`),
  parseNameAddr: (v) => parseNameAddr(v),
  parseNameAddrList: (v) => parseNameAddrList(v),
  parseContacts: (v) => parseContacts([v]),
  parseVia: (v) => parseVia(`SIP/2.0/UDP h${v}`),
  readTopVia: (v) => readTopVia(`SIP/2.0/UDP h${v}`, { branch: undefined, received: undefined, rport: undefined }),
  parseCSeq: (v) => parseCSeq(`1 ${v}`),
  parseRetryAfter: (v) => parseRetryAfter(`5 ${v}`),
  parseMessage: (v) =>
    parseMessage(
      `OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: ${v}\r\nContent-Length: 0\r\n\r\n`,
    ),
};

function nsPerByte(parse, value) {
  const rounds = Math.max(3, Math.floor(2_000_000 / value.length));
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    try {
      parse(value);
    } catch {
      // refused input costs the same scan
    }
  }
  return Number(process.hrtime.bigint() - t0) / rounds / value.length;
}

console.log("parser            unit        ns/B @1KiB  ns/B @16KiB  ns/B @64KiB  ratio");
let worst = 0;
for (const [name, parse] of Object.entries(PARSERS)) {
  for (const unit of UNITS) {
    const small = unit.repeat(Math.ceil(1024 / unit.length));
    const medium = unit.repeat(Math.ceil(16_384 / unit.length));
    const large = unit.repeat(Math.ceil(65_536 / unit.length));
    nsPerByte(parse, small); // warm-up
    const a = nsPerByte(parse, small);
    const m = nsPerByte(parse, medium);
    const b = nsPerByte(parse, large);
    worst = Math.max(worst, b / a);
    const label = JSON.stringify(unit.length > 8 ? `${unit[0]}x${unit.length}` : unit);
    console.log(
      `${name.padEnd(17)} ${label.padEnd(11)} ${a.toFixed(2).padStart(10)} ${m.toFixed(2).padStart(12)} ${b.toFixed(2).padStart(12)} ${(b / a).toFixed(2).padStart(6)}`,
    );
  }
}
console.log(`worst ratio (64 KiB ns/B over 1 KiB ns/B): ${worst.toFixed(2)} (a quadratic scan gives about 64)`);
