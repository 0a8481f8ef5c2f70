import { describe, expect, it } from "vitest";
import { parseSubscriberSocket, printSubscriberSocket, SubscriberSocketError } from "./subscriber-socket.js";

describe("parseSubscriberSocket", () => {
  it("reads udp:host:port and tcp:host:port[/method], stream: being another name of tcp:", () => {
    expect(parseSubscriberSocket("udp:127.0.0.1:9000")).toEqual({ transport: "udp", host: "127.0.0.1", port: 9000 });
    expect(parseSubscriberSocket("tcp:monitor.example.com:8080/block_ip")).toEqual({
      transport: "tcp",
      host: "monitor.example.com",
      port: 8080,
      method: "block_ip",
    });
    expect(parseSubscriberSocket("stream:127.0.0.1:8080")).toEqual({ transport: "tcp", host: "127.0.0.1", port: 8080 });
    expect(parseSubscriberSocket("udp:[::1]:9000")).toEqual({ transport: "udp", host: "::1", port: 9000 });
  });

  it("prints what subscribers_list shows", () => {
    expect(printSubscriberSocket(parseSubscriberSocket("stream:127.0.0.1:8080/m"))).toBe("tcp:127.0.0.1:8080/m");
    expect(printSubscriberSocket(parseSubscriberSocket("udp:[::1]:9"))).toBe("udp:[::1]:9");
  });

  it.each([
    "127.0.0.1:9000",
    "http:127.0.0.1:80",
    "unix:/tmp/events.sock",
    "udp:127.0.0.1",
    "udp::9000",
    "udp:127.0.0.1:0",
    "udp:127.0.0.1:65536",
    "udp:127.0.0.1:90x",
    "tcp:bad host:80",
    "udp:[::1:80",
  ])("refuses %j with a SubscriberSocketError", (text) => {
    expect(() => parseSubscriberSocket(text)).toThrow(SubscriberSocketError);
  });
});
