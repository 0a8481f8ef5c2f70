import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildStatelessResponse, hasTagParam, stampTopVia } from "./stateless-response.js";

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
