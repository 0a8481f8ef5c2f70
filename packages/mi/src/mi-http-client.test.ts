import { createServer, type Server, type Socket } from "node:net";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiHttpStatusError,
  MiReplyError,
  MiTimeoutError,
} from "./mi-client-error.js";
import { MiHttpClient } from "./mi-http-client.js";
import { MiHttpServer } from "./mi-http-server.js";
import { type Fixture, sampleRegistry } from "./test-support/sample-registry.js";

let fixture: Fixture;
let server: MiHttpServer;
let url: string;

beforeAll(async () => {
  fixture = sampleRegistry();
  server = new MiHttpServer({ registry: fixture.registry, port: 0 });
  url = `http://127.0.0.1:${(await server.listen()).port}/mi`;
});

afterAll(async () => {
  await server.close();
});

describe("MiHttpClient against the mi_http server on loopback (docs/mi-protocol.md §5, §6)", () => {
  it("calls a command and resolves with its result", async () => {
    const client = new MiHttpClient({ url });
    expect(await client.call("reg_list", ["sip:a@x", "sip:a@1.2.3.4", "sip:x"])).toEqual({
      Registrant: { AOR: "sip:a@x" },
    });
    expect(await client.call("which", { command: "reg_list" })).toEqual([[], ["aor", "contact", "registrar"]]);
  });

  it("sends the ids it is given and returns the raw reply bytes from exchange()", async () => {
    const client = new MiHttpClient({ url, requestId: () => "4242" });
    expect(await client.exchange('{"jsonrpc":"2.0","id":"x","method":"reg_list","params":["a"]}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"x"}',
    );
  });

  it("throws MiReplyError for an error reply, with the code and message", async () => {
    const client = new MiHttpClient({ url });
    await expect(client.call("reg_disable", ["sip:nobody@x", "c", "r"])).rejects.toSatisfy(
      (e) => e instanceof MiReplyError && e.code === 404 && e.message === "No such registrant",
    );
    await expect(client.call("nope")).rejects.toMatchObject({ code: -32601, message: "Method not found" });
  });

  it("reads 202 (a notification) as no reply", async () => {
    const client = new MiHttpClient({ url });
    expect(await client.exchange('{"jsonrpc":"2.0","method":"which"}')).toBe("");
  });

  it("throws MiHttpStatusError on another status (a wrong root)", async () => {
    const client = new MiHttpClient({ url: url.replace(/\/mi$/, "/other") });
    await expect(client.call("which")).rejects.toSatisfy(
      (e) =>
        e instanceof MiHttpStatusError && e.status === 400 && e.message === `HTTP 400 Bad Request from ${client.url}`,
    );
  });

  it("throws MiConnectionRefusedError when nothing listens", async () => {
    const closed = new MiHttpServer({ registry: fixture.registry, port: 0 });
    const port = (await closed.listen()).port;
    await closed.close();
    const client = new MiHttpClient({ url: `http://127.0.0.1:${port}/mi` });
    await expect(client.call("which")).rejects.toThrow(MiConnectionRefusedError);
    await expect(client.call("which")).rejects.toThrow(
      `cannot reach the MI at http://127.0.0.1:${port}/mi: connection refused`,
    );
  });

  it("refuses a URL that is not http(s)", () => {
    expect(() => new MiHttpClient({ url: "ftp://127.0.0.1/mi" })).toThrow("bad MI URL (http or https only)");
    expect(() => new MiHttpClient({ url: "not a url" })).toThrow("bad MI URL: not a url");
  });
});

describe("MiHttpClient timeout (virtual clock)", () => {
  let silent: Server;
  let port: number;
  const connections: Socket[] = [];
  let received: () => void = () => {};

  beforeAll(async () => {
    // Accepts, reads the request, never answers.
    silent = createServer((socket) => {
      connections.push(socket);
      socket.on("data", () => received());
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    port = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const c of connections) c.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("gives up after timeoutMs of the clock with MiTimeoutError", async () => {
    const clock = new VirtualClock();
    const client = new MiHttpClient({ url: `http://127.0.0.1:${port}/mi`, timeoutMs: 5000, clock });
    const arrived = new Promise<void>((r) => {
      received = r;
    });
    let settled = false;
    const outcome = client.call("which").catch((e: unknown) => e);
    void outcome.then(() => {
      settled = true;
    });
    await arrived;
    await clock.advance(4999);
    expect(settled).toBe(false);
    await clock.advance(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(MiTimeoutError);
    expect(err).toMatchObject({
      timeoutMs: 5000,
      message: `cannot reach the MI at ${client.url}: no reply within 5000 ms`,
    });
    expect(err).not.toBeInstanceOf(MiEmptyReplyError);
  });
});
