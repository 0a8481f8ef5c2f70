import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MiOutcome } from "./mi-registry.js";
import { sampleRegistry } from "./test-support/sample-registry.js";

/** A reply is well formed when it is one line of JSON with the keys jsonrpc, result|error, id in that order. */
function expectWellFormed(out: MiOutcome): void {
  if (out.kind === "none") return;
  expect(out.body.includes("\n")).toBe(false);
  const parsed = JSON.parse(out.body) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  expect(keys[0]).toBe("jsonrpc");
  expect(parsed.jsonrpc).toBe("2.0");
  expect(["result", "error"]).toContain(keys[1]);
  expect(keys[2]).toBe("id");
  expect(keys).toHaveLength(3);
  const id = parsed.id;
  expect(id === null || typeof id === "string" || Number.isInteger(id)).toBe(true);
  if (keys[1] === "error") {
    const e = parsed.error as Record<string, unknown>;
    expect(Number.isInteger(e.code)).toBe(true);
    expect(typeof e.message).toBe("string");
  }
}

const { registry } = sampleRegistry();
const methods = fc.constantFrom(
  "which",
  "help",
  "reg_list",
  "reg_disable",
  "reg_upsert",
  "twins",
  "tags",
  "throws",
  "nope",
  "list",
);
const jsonish = fc.jsonValue({ maxDepth: 3 });

describe("fuzz: the request parser never throws and only produces well-formed replies", () => {
  it("on random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        expectWellFormed(await registry.handleBytes(bytes, "http"));
      }),
      { numRuns: 1500 },
    );
  });

  it("on random request-shaped objects", async () => {
    const request = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant("2.0"), jsonish),
        id: fc.oneof(fc.string(), fc.double(), fc.integer(), fc.constant(null), jsonish),
        method: fc.oneof(methods, jsonish),
        params: fc.oneof(
          fc.array(fc.oneof(fc.string(), fc.integer(), jsonish), { maxLength: 6 }),
          fc.dictionary(
            fc.constantFrom("aor", "contact", "registrar", "expiry", "state", "command", "mi_cmd", "list", "a", "b"),
            jsonish,
          ),
          jsonish,
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(request, fc.string({ maxLength: 8 }), async (req, tail) => {
        expectWellFormed(await registry.handleBytes(`${JSON.stringify(req)}${tail}`, "fifo"));
      }),
      { numRuns: 1500 },
    );
  });
});
