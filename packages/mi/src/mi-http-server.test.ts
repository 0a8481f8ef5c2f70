import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiHttpServer } from "./mi-http-server.js";
import { sampleRegistry } from "./test-support/sample-registry.js";

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: MiHttpServer;
let port: number;

function http(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Python-urllib-like POST, as opensips-cli sends it. */
const post = (body: string, path = "/mi", type = "application/json") =>
  http("POST", path, body, { "Content-Type": type, Connection: "close", "User-Agent": "Python-urllib/3.11" });

/**
 * Raw bytes over TCP; resolves with everything received once the server closes the connection (its close event).
 * No idle guard of ours: a server that keeps the connection open fails the test at vitest's test timeout.
 */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    s.on("error", reject);
  });
}

beforeAll(async () => {
  server = new MiHttpServer({ registry: sampleRegistry().registry, port: 0, maxRequestBytes: 2048 });
  port = (await server.listen()).port;
});
afterAll(() => server.close());

describe("mi_http status rules (docs/mi-protocol.md §5)", () => {
  it("binds to loopback", () => {
    expect(server.address()?.address).toBe("127.0.0.1");
  });

  it("answers a POST on /mi with 200, application/json and the compact reply", async () => {
    const r = await post(
      '{"jsonrpc": "2.0", "id": "8999", "method": "reg_disable", "params": ["sip:a@x", "sip:a@1.2.3.4", "sip:x"]}',
    );
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body).toBe('{"jsonrpc":"2.0","result":"OK","id":"8999"}');
    expect(r.headers["content-length"]).toBe(String(Buffer.byteLength(r.body)));
  });

  it.each(["/mi/", "/mi/x", "/mi?x=1", "/mi/a/b?q"])("accepts the path %s", async (path) => {
    expect((await post('{"jsonrpc":"2.0","id":1,"method":"help"}', path)).status).toBe(200);
  });

  it.each(["application/json; charset=utf-8", "text/xml", "Application/JSON"])(
    "accepts Content-Type %s",
    async (type) => {
      expect((await post('{"jsonrpc":"2.0","id":1,"method":"help"}', "/mi", type)).status).toBe(200);
    },
  );

  it("returns JSON-RPC errors with 200, including -32700", async () => {
    const r = await post("{oops");
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}');
    const nf = await post('{"jsonrpc":"2.0","id":"2","method":"nope"}');
    expect([nf.status, nf.body]).toEqual([
      200,
      '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"2"}',
    ]);
  });

  it("ignores trailing bytes after the request", async () => {
    const r = await post('{"jsonrpc":"2.0","id":3,"method":"help"} xyz');
    expect(r.body).toBe(
      `{"jsonrpc":"2.0","result":"Please use 'help -- <mi_cmd>' to get help for a specific command","id":3}`,
    );
  });

  it("answers a notification with 202 and an empty body", async () => {
    const r = await post('{"jsonrpc":"2.0","method":"help"}');
    expect([r.status, r.body]).toEqual([202, ""]);
  });

  it("answers GET on the root with 405, Content-Length 0", async () => {
    const r = await http("GET", "/mi");
    expect([r.status, r.body, r.headers["content-length"]]).toEqual([405, "", "0"]);
  });

  it.each(["PUT", "DELETE", "PATCH"])("answers %s with 406 text/html", async (method) => {
    const r = await http(method, "/mi", "{}", { "Content-Type": "application/json" });
    expect(r.status).toBe(406);
    expect(r.headers["content-type"]).toBe("text/html");
    expect(r.body).toBe("<html><body>Unsupported HTTP request!</body></html>");
  });

  it.each(["/", "/mix", "/json", "/MI"])("answers the path %s with 400 text/html", async (path) => {
    const r = await post("{}", path);
    expect(r.status).toBe(400);
    expect(r.headers["content-type"]).toBe("text/html");
    expect(r.body).toBe("<html><body>Unable to parse URL!</body></html>");
  });

  it("answers an empty body with 400 and an empty body", async () => {
    const r = await post("");
    expect([r.status, r.body]).toEqual([400, ""]);
  });

  it("answers a body over the limit with 400 and an empty body", async () => {
    const big = `{"jsonrpc":"2.0","id":1,"method":"help","params":["${"a".repeat(5000)}"]}`;
    const r = await post(big);
    expect([r.status, r.body]).toEqual([400, ""]);
  });

  it("closes the connection without a reply for a missing or other Content-Type", async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"help"}';
    expect(await raw(`POST /mi HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`)).toBe("");
    expect(
      await raw(
        `POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    ).toBe("");
  });

  it("answers a bool id with -32600 and id null (our choice over HTTP 500)", async () => {
    const r = await post('{"jsonrpc":"2.0","id":false,"method":"help"}');
    expect([r.status, r.body]).toEqual([
      200,
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}',
    ]);
  });

  it("serves several requests on one keep-alive connection", async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"help"}';
    const one = `POST /mi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const text = await raw(`${one}${one.replace("Host: x", "Host: x\r\nConnection: close")}`);
    expect(text.match(/HTTP\/1.1 200 OK/g)).toHaveLength(2);
  });
});
