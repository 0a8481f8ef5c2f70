import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allVias,
  cseq,
  parseContacts,
  parseDeltaSeconds,
  parseMessage,
  parseNameAddr,
  parseRetryAfter,
  parseUri,
  type SipRequest,
  type SipResponse,
  SipParseError,
  SipStreamParser,
  serializeMessage,
  uriEquals,
} from "./index.js";
import { messageDisagreement } from "./test-support/fast-path-oracle.js";

/** Seeds: the RFC 4475 messages and the OpenSIPS captures. Every message read is also checked against the fast paths. */
const rfcDir = join(import.meta.dirname, "fixtures", "rfc4475");
const seeds: Uint8Array[] = readdirSync(rfcDir)
  .filter((f) => f.endsWith(".sip"))
  .map((f) => new Uint8Array(readFileSync(join(rfcDir, f))));
/** The OpenSIPS 3.6.8 captures of the repository (docs/captures/, one JSON datagram per line). */
const capDir = join(import.meta.dirname, "../../../docs/captures");
for (const f of readdirSync(capDir).filter((f) => f.endsWith(".jsonl"))) {
  const first = readFileSync(join(capDir, f), "utf8").split("\n")[0]!;
  seeds.push(new Uint8Array(Buffer.from((JSON.parse(first) as { payload: string }).payload, "latin1")));
}

/** Run `f`; anything thrown must be a SipParseError. */
function onlyParseErrors(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
  }
}

function readEverything(msg: SipRequest | SipResponse): void {
  if ("uri" in msg) onlyParseErrors(() => parseUri(msg.uri));
  onlyParseErrors(() => allVias(msg));
  onlyParseErrors(() => cseq(msg));
  for (const h of ["from", "to"]) {
    const v = msg.getHeader(h);
    if (v !== undefined) onlyParseErrors(() => parseNameAddr(v));
  }
  onlyParseErrors(() => parseContacts(msg.getHeaders("contact")));
  parseDeltaSeconds(msg.getHeader("expires") ?? "");
  parseRetryAfter(msg.getHeader("retry-after") ?? "");
  // The fast paths (top Via fields, CSeq match, echoed Contact expiry) give the full parsers' answers.
  expect(messageDisagreement(msg)).toBeUndefined();
}

function checkStable(input: Uint8Array): void {
  let msg: SipRequest | SipResponse;
  try {
    msg = parseMessage(input);
  } catch (e) {
    if (e instanceof SipParseError) return;
    throw e;
  }
  readEverything(msg);
  const once = serializeMessage(msg);
  const again = parseMessage(once);
  // Serialization only rewrites Content-Length; everything else survives, and a second round is a fixed point.
  expect(withoutLength(again)).toEqual(withoutLength(msg));
  expect(again.body).toEqual(msg.body);
  expect(serializeMessage(again)).toEqual(once);
}

function withoutLength(m: SipRequest | SipResponse): unknown {
  const start = "uri" in m ? [m.method, m.uri, m.version] : [m.status, m.reason, m.version];
  return [start, m.headers.filter((h) => !["content-length", "l"].includes(h.name.toLowerCase()))];
}

/** A mutation: overwrite, insert or delete a few bytes, with SIP-significant bytes over-represented. */
const interesting = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x25, 0x40, 0x5c, 0x00, 0xff, 0x3d];
const byteArb = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 }));
const mutation = fc.record({
  kind: fc.constantFrom("set", "insert", "delete"),
  at: fc.nat(),
  bytes: fc.array(byteArb, { minLength: 1, maxLength: 4 }),
});

function mutate(seed: Uint8Array, ms: ReadonlyArray<{ kind: string; at: number; bytes: number[] }>): Uint8Array {
  let out = Array.from(seed);
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === "set") for (let i = 0; i < m.bytes.length && at + i < out.length; i++) out[at + i] = m.bytes[i]!;
    else if (m.kind === "insert") out = [...out.slice(0, at), ...m.bytes, ...out.slice(at)];
    else out.splice(at, m.bytes.length);
  }
  return new Uint8Array(out);
}

describe("fuzz: only SipParseError, and parse(serialize(parse(x))) is stable", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => checkStable(b)),
      { numRuns: 1500 },
    );
  });

  it("random SIP-looking text", () => {
    const line = fc.oneof(
      fc.constantFrom(
        "Via: ",
        "v:",
        "From: ",
        "To:",
        "Contact: ",
        "m: ",
        "CSeq: ",
        "Content-Length: ",
        "l:",
        " ",
        "\t",
      ),
      fc.string({ maxLength: 20 }),
      fc.constantFrom("<sip:a@h>", ";tag=1", ",", '"', "SIP/2.0/UDP h", "\r\n", "\r\n ", "*", "sip:", "%", "["),
    );
    const msg = fc
      .tuple(
        fc.constantFrom("REGISTER sip:h SIP/2.0\r\n", "SIP/2.0 200 OK\r\n", "\r\n", "SIP/2.0 401 x\r\n"),
        fc.array(line, { maxLength: 30 }),
        fc.constantFrom("\r\n\r\n", "\r\n", ""),
      )
      .map(([s, parts, end]) => new TextEncoder().encode(s + parts.join("") + end));
    fc.assert(
      fc.property(msg, (b) => checkStable(b)),
      { numRuns: 1500 },
    );
  });

  it("mutated RFC 4475 and captured messages", () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) =>
        checkStable(mutate(seed, ms)),
      ),
      { numRuns: 2000 },
    );
  });

  it("the stream parser on mutated messages split at random points", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { maxLength: 3 }),
        fc.array(fc.nat({ max: 64 }), { maxLength: 8 }),
        (seed, ms, cuts) => {
          const bytes = mutate(seed, ms);
          const p = new SipStreamParser();
          let at = 0;
          onlyParseErrors(() => {
            for (const c of [...cuts, bytes.length]) {
              const next = Math.min(bytes.length, at + c);
              for (const m of p.push(bytes.subarray(at, next))) readEverything(m);
              at = next;
            }
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("URI parser and comparison on random text", () => {
    const uriText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .array(
          fc.constantFrom(
            "sip:",
            "sips:",
            "a",
            "@",
            ":",
            ";",
            "?",
            "=",
            "&",
            "%",
            "41",
            "[",
            "]",
            "5060",
            "h.x",
            "%zz",
          ),
          {
            maxLength: 12,
          },
        )
        .map((p) => p.join("")),
    );
    fc.assert(
      fc.property(uriText, uriText, (a, b) => {
        onlyParseErrors(() => parseUri(a));
        expect(typeof uriEquals(a, b)).toBe("boolean");
        expect(uriEquals(a, b)).toBe(uriEquals(b, a));
      }),
      { numRuns: 2000 },
    );
  });
});
