import { describe, expect, it } from "vitest";
import { sampleRegistry } from "./test-support/sample-registry.js";

/** Sends a raw body through the dispatcher and returns the reply bytes ("" when no reply). */
async function reply(body: string): Promise<string> {
  const { registry } = sampleRegistry();
  const out = await registry.handleBytes(body, "http");
  return out.kind === "reply" ? out.body : "";
}

const req = (method: string, params?: unknown, id: unknown = "1") =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

describe("reply bytes (docs/mi-protocol.md §3)", () => {
  it("prints a success compactly with keys jsonrpc, result, id and no trailing newline", async () => {
    expect(await reply(req("reg_disable", ["sip:a@x", "sip:a@1.2.3.4", "sip:x"], "8999"))).toBe(
      '{"jsonrpc":"2.0","result":"OK","id":"8999"}',
    );
  });

  it("accepts opensips-cli's json.dumps spacing and key order", async () => {
    const body =
      '{"jsonrpc": "2.0", "id": "8999", "method": "reg_list", "params": ["sip:a@x", "sip:a@1.2.3.4", "sip:x"]}';
    expect(await reply(body)).toBe('{"jsonrpc":"2.0","result":{"Registrant":{"AOR":"sip:a@x"}},"id":"8999"}');
  });

  it("leaves UTF-8 and '/' unescaped and escapes control characters as \\u00xx", async () => {
    expect(await reply(req("async_ok", undefined, 3))).toBe(
      '{"jsonrpc":"2.0","result":{"n":1,"s":"é/\\u0001"},"id":3}',
    );
  });

  it.each([
    ['"abc"', '"abc"'],
    ['"a\\"b\\\\c\\n\\t\\r\\b\\f\\u0001/é"', '"a\\"b\\\\c\\n\\t\\r\\b\\f\\u0001/é"'],
    ['"\\/"', '"/"'],
    ["7", "7"],
    ["1.5", "1"],
    ["-2.7", "-2"],
    ["1e20", "2147483647"],
    ["-1e20", "-2147483648"],
    ["null", "null"],
  ])("echoes the id %s as %s", async (id, echoed) => {
    const body = `{"jsonrpc":"2.0","method":"reg_disable","params":["sip:a@x","sip:a@1.2.3.4","sip:x"],"id":${id}}`;
    expect(await reply(body)).toBe(`{"jsonrpc":"2.0","result":"OK","id":${echoed}}`);
  });

  it("ignores bytes after the first JSON value", async () => {
    expect(await reply(`${req("reg_disable", ["sip:a@x", "sip:a@1.2.3.4", "sip:x"])} xyz`)).toBe(
      '{"jsonrpc":"2.0","result":"OK","id":"1"}',
    );
  });
});

describe("the core's error table (docs/mi-protocol.md §3), byte for byte", () => {
  const cases: Array<[string, string, string]> = [
    ["not JSON", "nonsense", '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}'],
    [
      "a cut object",
      '{"jsonrpc":"2.0","id":"1"',
      '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}',
    ],
    ["whitespace only", "  \n", '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}'],
    [
      "an array body",
      `[${req("which")}]`,
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    ],
    ["a scalar body", "42", '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}'],
    [
      "a missing method",
      '{"jsonrpc":"2.0","id":"5"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "a numeric method",
      '{"jsonrpc":"2.0","id":5,"method":7}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":5}',
    ],
    [
      "jsonrpc 1.0",
      '{"jsonrpc":"1.0","id":"5","method":"which"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "jsonrpc as a number",
      '{"jsonrpc":2.0,"id":"5","method":"which"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "no jsonrpc member",
      '{"id":"5","method":"which"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "params as a string",
      '{"jsonrpc":"2.0","id":"5","method":"which","params":"x"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "params null",
      '{"jsonrpc":"2.0","id":"5","method":"which","params":null}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":"5"}',
    ],
    [
      "an invalid notification",
      '{"jsonrpc":"2.0","method":9}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    ],
    [
      "a bool id",
      '{"jsonrpc":"2.0","id":true,"method":"which"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    ],
    [
      "an object id",
      '{"jsonrpc":"2.0","id":{},"method":"which"}',
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    ],
    [
      "an unknown method",
      req("reg_nope", undefined, "2"),
      '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"2"}',
    ],
    [
      "method case differs",
      req("REG_LIST", undefined, "2"),
      '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"2"}',
    ],
    [
      "too few positional",
      req("reg_disable", ["a"], "12404"),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"12404"}',
    ],
    [
      "no params, no empty recipe",
      req("reg_disable", undefined, "1"),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"1"}',
    ],
    [
      "[] for a command needing params",
      req("reg_disable", []),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"1"}',
    ],
    [
      "named with an extra key",
      req("reg_disable", { aor: "a", contact: "b", registrar: "c", x: "d" }),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"1"}',
    ],
    [
      "named with a wrong key",
      req("reg_disable", { aor: "a", contact: "b", registar: "c" }),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":"1"}',
    ],
    [
      "two recipes of the same size",
      req("twins", ["v"]),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Ambiguous call, use named parameters instead"},"id":"1"}',
    ],
    [
      "positional to a named-only command",
      req("named_only", ["v"]),
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Command only supports named parameters"},"id":"1"}',
    ],
    [
      "an array for a string param",
      req("reg_disable", { aor: ["x"], contact: "b", registrar: "c" }),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'aor'"},"id":"1"}`,
    ],
    [
      "null for a string param",
      req("reg_disable", [null, "b", "c"]),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'aor'"},"id":"1"}`,
    ],
    [
      "a bool for a string param",
      req("reg_disable", ["a", true, "c"]),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'contact'"},"id":"1"}`,
    ],
    [
      "an object for a string param",
      req("reg_disable", ["a", "b", {}]),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'registrar'"},"id":"1"}`,
    ],
    [
      "a non-integer string for an int param",
      req("reg_upsert", ["a", "b", "c", "12x"]),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'expiry'"},"id":"1"}`,
    ],
    [
      "an array param with a bad item",
      req("tags", [["a", null]]),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for array item in parameter 'list'"},"id":"1"}`,
    ],
    [
      "an empty array param",
      req("tags", { list: [] }),
      `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Empty array in parameter 'list'"},"id":"1"}`,
    ],
    [
      "a handler returning null",
      req("returns_null"),
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command handler returned null"},"id":"1"}',
    ],
    [
      "a handler throwing",
      req("throws"),
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command handler returned null"},"id":"1"}',
    ],
    [
      "a rejected value",
      req("reg_upsert", ["a", "b", "c", 5]),
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Failed to handle parameter"},"id":"1"}',
    ],
    [
      "a param outside the recipe",
      req("wrong_fetch", ["v"]),
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Failed to handle parameter"},"id":"1"}',
    ],
    [
      "a short name shared by two modules",
      req("list"),
      '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Method ambiguous","data":"supported names: uac_registrant:list, other:list"},"id":"1"}',
    ],
    [
      "no such registrant",
      req("reg_list", ["sip:b@x", "sip:b@h", "sip:x"], "18722"),
      '{"jsonrpc":"2.0","error":{"code":404,"message":"No such registrant"},"id":"18722"}',
    ],
    [
      "which of an unknown command",
      req("which", { command: "nope" }),
      '{"jsonrpc":"2.0","error":{"code":404,"message":"unknown MI command"},"id":"1"}',
    ],
    [
      "help of an unknown command",
      req("help", ["nope"]),
      '{"jsonrpc":"2.0","error":{"code":404,"message":"unknown MI command"},"id":"1"}',
    ],
  ];
  it.each(cases)("%s", async (_name, body, expected) => {
    expect(await reply(body)).toBe(expected);
  });
});

describe("notifications (no id)", () => {
  it("run the command and produce no reply", async () => {
    const { registry, records } = sampleRegistry();
    const out = await registry.handleBytes(
      '{"jsonrpc":"2.0","method":"reg_disable","params":["sip:a@x","sip:a@1.2.3.4","sip:x"]}',
      "http",
    );
    expect(out).toEqual({ kind: "none" });
    expect(records.get("sip:a@x|sip:a@1.2.3.4|sip:x")?.enabled).toBe(false);
  });

  it("get no reply for -32601 / -32602 either", async () => {
    const { registry } = sampleRegistry();
    expect(await registry.handleBytes('{"jsonrpc":"2.0","method":"nope"}', "http")).toEqual({ kind: "none" });
    expect(await registry.handleBytes('{"jsonrpc":"2.0","method":"reg_disable"}', "http")).toEqual({ kind: "none" });
  });

  it("but a null id is a request, answered with id null", async () => {
    expect(await reply('{"jsonrpc":"2.0","method":"returns_null","id":null}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command handler returned null"},"id":null}',
    );
  });
});
