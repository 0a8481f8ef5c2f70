import { describe, expect, it } from "vitest";
import { buildMiRequest, readMiReply } from "./mi-call.js";
import { MiBadReplyError, MiClientError, MiReplyError } from "./mi-client-error.js";

describe("building a request (docs/mi-protocol.md §6)", () => {
  it("uses opensips-cli's key order and sends no params as {}", () => {
    expect(buildMiRequest("8999", "reg_list", {})).toBe(
      '{"jsonrpc":"2.0","id":"8999","method":"reg_list","params":{}}',
    );
    expect(buildMiRequest(7, "which")).toBe('{"jsonrpc":"2.0","id":7,"method":"which","params":{}}');
    expect(buildMiRequest("1", "reg_enable", ["sip:a@x", "sip:a@1.2.3.4", "sip:x"])).toBe(
      '{"jsonrpc":"2.0","id":"1","method":"reg_enable","params":["sip:a@x","sip:a@1.2.3.4","sip:x"]}',
    );
  });

  it("refuses an empty method name with a client error", () => {
    expect(() => buildMiRequest("1", "")).toThrow(MiClientError);
  });
});

describe("reading a reply (docs/mi-protocol.md §3)", () => {
  it("returns the result of a success reply, whatever its JSON type", () => {
    expect(readMiReply('{"jsonrpc":"2.0","result":{"Records":[]},"id":"1"}')).toEqual({ Records: [] });
    expect(readMiReply('{"jsonrpc":"2.0","result":"OK","id":1}')).toBe("OK");
    expect(readMiReply('{"jsonrpc":"2.0","result":null,"id":"1"}')).toBeNull();
  });

  it("throws MiReplyError with the code, message and data of an error reply", () => {
    const err = (() => {
      try {
        readMiReply(
          '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":null}',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MiReplyError);
    expect(err).toMatchObject({ code: -32602, message: "Invalid params", data: "Too few or too many parameters" });
    expect(() => readMiReply('{"jsonrpc":"2.0","error":{"code":404,"message":"No such registrant"},"id":"3"}')).toThrow(
      expect.objectContaining({ code: 404, message: "No such registrant", data: undefined }),
    );
  });

  it("takes an object that is neither a result nor an error as -32603 Internal error", () => {
    expect(() => readMiReply('{"jsonrpc":"2.0","id":"1"}')).toThrow(
      expect.objectContaining({ name: "MiReplyError", code: -32603, message: "Internal error" }),
    );
  });

  it.each(["not json", "", '"a string"', "[1,2]", "42"])("refuses %j as not a reply, quoting it", (text) => {
    expect(() => readMiReply(text)).toThrow(MiBadReplyError);
    expect(() => readMiReply(text)).toThrow(`could not decode the reply as JSON: ${JSON.stringify(text)}`);
  });
});
