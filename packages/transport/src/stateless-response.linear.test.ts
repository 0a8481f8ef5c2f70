import { readFileSync } from "node:fs";
import { SILENT_LOGGER } from "@uacreg/runtime";
import { countWork } from "@uacreg/runtime/testing";
import { parseMessage, type SipRequest, SipResponse } from "@uacreg/sip";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StatelessAnswerer } from "./stateless-answerer.js";
import { buildStatelessResponse, hasTagParam, stampTopVia } from "./stateless-response.js";
import { StatelessTagger } from "./stateless-tag.js";
import { TransportCounterSet } from "./transport-counters.js";

/** The former test, kept as the oracle on short values (it is quadratic on long ones). */
function formerHasTag(to: string): boolean {
  return /;\s*tag\s*=/i.test(to.replace(/<[^>]*>/g, "").replace(/"[^"]*"/g, ""));
}

const ADVERSARIAL = ["<", ">", '"', "\\", ";", ",", " ", "\t", "tag", "=", "a", "rport", "received"];

function request(to: string, via = "SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1") {
  const headers: Record<string, string[]> = {
    Via: [via],
    From: ["<sip:a@x>;tag=f"],
    To: [to],
    "Call-ID": ["id"],
    CSeq: ["1 OPTIONS"],
  };
  return { method: "OPTIONS", getHeaders: (n: string) => headers[n] ?? [] };
}

describe("the stateless answer path reads network header values in one pass", () => {
  it("finds a To tag exactly as the former expression did, on any short mix of <, >, quotes, ; and blanks", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ADVERSARIAL), { maxLength: 40 }), (parts) => {
        const to = parts.join("");
        expect(hasTagParam(to)).toBe(formerHasTag(to));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a request whose To is n and 4n repeated <, ", ;, blanks or tokens, with the same answer shape', () => {
    for (const unit of ["<", '"', "\\", ";", ",", " ", "; ", "<a", "a".repeat(64)]) {
      for (const n of [16_384, 65_536, 262_144]) {
        const to = unit.repeat(Math.ceil(n / unit.length));
        const small = buildStatelessResponse(request(to), 200, "OK", { address: "127.0.0.1", port: 5 }, "T")!;
        const large = buildStatelessResponse(request(to.repeat(4)), 200, "OK", { address: "127.0.0.1", port: 5 }, "T")!;
        expect(small).toContain(`To: ${to};tag=T\r\n`);
        expect(large).toContain(`To: ${to.repeat(4)};tag=T\r\n`);
        expect(large.length - small.length).toBe(3 * to.length);
      }
    }
    const tagged = `${"<".repeat(262_144)};tag=theirs`;
    expect(hasTagParam(tagged)).toBe(true);
    expect(hasTagParam(`<sip:x>${'"'.repeat(262_145)};tag=x`)).toBe(true);
  });

  it("stamps a top Via of many ; and blanks once, whatever its size", () => {
    for (const n of [16_384, 262_144]) {
      const via = `SIP/2.0/UDP h${"; ".repeat(n)};rport`;
      const out = stampTopVia(via, { address: "192.0.2.1", port: 7 });
      expect(out.endsWith(";rport=7;received=192.0.2.1")).toBe(true);
    }
  });
});

const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length));

/**
 * Requests of about `size` bytes in one header the answer echoes or reads (RFC 3261 §8.2.6.2: Via, From, To, Call-ID,
 * CSeq), each in a shape that makes a scan restart: the To of tens of thousands of `<` first.
 */
const REQUESTS: Record<string, (size: number) => string> = {
  "To of many <": (n) => wire("OPTIONS", { To: fill("<", n) }),
  "To of many < then a >": (n) => wire("OPTIONS", { To: `${fill("<", n)}>` }),
  "To of many <a>": (n) => wire("OPTIONS", { To: fill("<a>", n) }),
  'To of many "': (n) => wire("OPTIONS", { To: fill('"', n) }),
  'To of many " then <>': (n) => wire("OPTIONS", { To: `${fill('"<', n)}>"` }),
  "To of many ;": (n) => wire("OPTIONS", { To: `<sip:a@x>${fill(";", n)}` }),
  "To of many ; and blanks": (n) => wire("OPTIONS", { To: `<sip:a@x>${fill("; ", n)}` }),
  "To of many ;ta": (n) => wire("OPTIONS", { To: `<sip:a@x>${fill(";ta", n)}` }),
  "To of many ;tag blanks": (n) => wire("OPTIONS", { To: `<sip:a@x>${fill(";tag ", n)}` }),
  "top Via of many ;": (n) => wire("OPTIONS", { Via: `SIP/2.0/UDP h${fill(";", n)};branch=z9hG4bK1` }),
  "top Via of many ; and blanks": (n) => wire("OPTIONS", { Via: `SIP/2.0/UDP h;branch=z9hG4bK1${fill("; ", n)}` }),
  "top Via of many ;rport": (n) => wire("OPTIONS", { Via: `SIP/2.0/UDP h;branch=z9hG4bK1${fill(";rport ", n)}` }),
  "top Via of many ;received": (n) => wire("OPTIONS", { Via: `SIP/2.0/UDP h;branch=z9hG4bK1${fill(";received ", n)}` }),
  "top Via of many ,": (n) => wire("OPTIONS", { Via: `SIP/2.0/UDP h;branch=z9hG4bK1${fill(",", n)}` }),
  "From of many <": (n) => wire("INVITE", { From: `${fill("<", n)};tag=1` }),
  "CSeq of many blanks": (n) => wire("OPTIONS", { CSeq: `1${fill(" ", n)}OPTIONS` }),
  "CSeq of many digits": (n) => wire("OPTIONS", { CSeq: `${fill("1", n)} OPTIONS` }),
  "Call-ID of many @": (n) => wire("OPTIONS", { "Call-ID": fill("@", n) }),
  "a long unknown method": (n) => wire(fill("X", n), {}),
};

function wire(method: string, headers: Record<string, string>): string {
  const h: Record<string, string> = {
    Via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp;rport",
    From: "<sip:reg@x>;tag=1",
    To: "<sip:alice@x>",
    "Call-ID": "ping-1",
    CSeq: `7 ${method}`,
    ...headers,
  };
  const lines = Object.entries(h).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} sip:alice@127.0.0.1 SIP/2.0\r\n${lines.join("")}Content-Length: 0\r\n\r\n`;
}

function parsed(text: string): SipRequest {
  const msg = parseMessage(text);
  if (msg instanceof SipResponse) throw new Error("not a request");
  return msg;
}

describe("the stateless answer (OPTIONS 200, 405, 501) does work linear in the request (counted, not timed)", () => {
  const answerer = new StatelessAnswerer(
    new StatelessTagger(Buffer.alloc(32, 7)),
    new TransportCounterSet(),
    SILENT_LOGGER,
    "uacreg",
  );
  /** The answer's work only: the request is parsed before counting (the codec's parsers have their own check). */
  const answerWork = (text: string) => {
    const req = parsed(text);
    const sent: Buffer[] = [];
    const work = countWork(() => answerer.answer(req, "198.51.100.7", 40000, (b) => sent.push(b) > 0));
    return { work, sent };
  };
  const N = 4096;

  for (const [shape, request] of Object.entries(REQUESTS)) {
    it(`${shape}: work on 8n bytes is at most 10 times the work on n, and it is answered`, () => {
      const small = answerWork(request(N));
      const large = answerWork(request(8 * N));
      expect(large.sent.length, "answered").toBe(1);
      expect(large.work, `${small.work} → ${large.work}`).toBeLessThanOrEqual(10 * Math.max(small.work, N));
    });
  }

  it("the To of 100,000 < gets our tag after the whole value", () => {
    const { sent } = answerWork(REQUESTS["To of many <"]!(100_000));
    expect(sent[0]!.toString("utf8")).toMatch(/\r\nTo: <{100000};tag=[0-9a-f]{16}\r\n/);
  });

  it("its regular expressions on network input are the audited ones (the counter sees one call, not backtracking)", () => {
    const literals = (file: string) => {
      const source = readFileSync(new URL(file, import.meta.url), "utf8");
      expect(source, file).not.toMatch(/new RegExp/);
      return [...source.matchAll(/(?<=[=(,!:&|?]\s*)\/(?![/*\s])(?:\\.|[^/\n])+\/[dgimsuyv]*/g)].map((m) => m[0]);
    };
    expect(literals("stateless-answerer.ts")).toEqual([]);
    expect(literals("stateless-tag.ts")).toEqual([]);
    // Each one: at most one unbounded run per starting `;` (or one character), so linear (see stateless-response.ts).
    expect(literals("stateless-response.ts")).toEqual([
      String.raw`/;\s*rport(?=\s*(;|$))/i`,
      String.raw`/;\s*received\s*=/i`,
      String.raw`/^\s$/`,
    ]);
  });
});
