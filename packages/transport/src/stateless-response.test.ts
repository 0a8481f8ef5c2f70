import { describe, expect, it } from "vitest";
import { buildStatelessResponse, chooseAnswer, stampTopVia } from "./stateless-response.js";

function view(headers: Record<string, string[]>, method = "OPTIONS") {
  return { method, getHeaders: (n: string) => headers[n] ?? [] };
}

describe("answers to requests we did not ask for", () => {
  it("chooses 200 for OPTIONS, 405 for known methods, 501 for unknown ones, nothing for ACK", () => {
    expect(chooseAnswer("OPTIONS")).toEqual({ status: 200, reason: "OK" });
    expect(chooseAnswer("INVITE")?.status).toBe(405);
    expect(chooseAnswer("NOTIFY")?.status).toBe(405);
    expect(chooseAnswer("FOO")).toEqual({ status: 501, reason: "Not Implemented" });
    expect(chooseAnswer("ACK")).toBeNull();
  });

  it("keeps an existing To tag and fills rport on the first via-parm only", () => {
    const req = view({
      Via: ["SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK0"],
      From: ["<sip:a@x>;tag=f"],
      To: ['"x;tag=no" <sip:b@x>;tag=existing'],
      "Call-ID": ["id"],
      CSeq: ["1 OPTIONS"],
    });
    const r = buildStatelessResponse(req, 200, "OK", { address: "127.0.0.1", port: 4000 }, "new")!;
    expect(r).toContain(
      "Via: SIP/2.0/UDP 10.0.0.1;rport=4000;branch=z9hG4bK1;received=127.0.0.1, SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK0\r\n",
    );
    expect(r).toContain('To: "x;tag=no" <sip:b@x>;tag=existing\r\n');
    expect(r.endsWith("Content-Length: 0\r\n\r\n")).toBe(true);
  });

  it("adds a To tag when there is none, even if the URI has a tag-like parameter", () => {
    const req = view(
      {
        Via: ["SIP/2.0/UDP h"],
        From: ["<sip:a@x>;tag=f"],
        To: ["<sip:b@x;tag=uri>"],
        "Call-ID": ["i"],
        CSeq: ["1 INFO"],
      },
      "INFO",
    );
    expect(buildStatelessResponse(req, 405, "Method Not Allowed", { address: "::1", port: 1 }, "t9")).toContain(
      "To: <sip:b@x;tag=uri>;tag=t9\r\nCall-ID: i\r\nCSeq: 1 INFO\r\nAllow: OPTIONS\r\n",
    );
  });

  it("answers nothing when a mandatory header is missing", () => {
    expect(
      buildStatelessResponse(view({ Via: ["SIP/2.0/UDP h"] }), 200, "OK", { address: "1.1.1.1", port: 1 }, "t"),
    ).toBeNull();
  });

  it("stamps received without touching an rport that already has a value", () => {
    expect(stampTopVia("SIP/2.0/UDP h;rport=9;branch=b", { address: "1.2.3.4", port: 5 })).toBe(
      "SIP/2.0/UDP h;rport=9;branch=b;received=1.2.3.4",
    );
  });
});
