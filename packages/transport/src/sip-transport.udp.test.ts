import dgram from "node:dgram";
import { once } from "node:events";
import type { Clock } from "@uacreg/runtime";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, describe, expect, it } from "vitest";
import { StaticResolver } from "./rfc3263-resolver.js";
import { SipTransport } from "./sip-transport.js";
import type { TransactionOutcome } from "./transaction-outcome.js";
import {
  answersBeforeMarker,
  askOnce,
  echoResponse,
  headerLines,
  optionsRequest,
  register,
  type UdpPeer,
  udpPeer,
} from "./test-support/udp-peer.js";

/**
 * Real loopback sockets, virtual time: every transport runs on a {@link VirtualClock} (a fresh one unless the test
 * passes its own to step), so no timer fires unless the test moves the clock, and nothing here sleeps.
 */
const FAST = { t1Ms: 50, t2Ms: 400, frTimeoutS: 1 };
const open: Array<{ close(): Promise<void> }> = [];
async function transport(opts: Partial<Parameters<typeof SipTransport.open>[0]> = {}) {
  const t = await SipTransport.open({ listen: ["udp:127.0.0.1:0"], timers: FAST, clock: new VirtualClock(), ...opts });
  open.push(t);
  return t;
}
async function peer(...args: Parameters<typeof udpPeer>): Promise<UdpPeer> {
  const p = await udpPeer(...args);
  open.push(p);
  return p;
}
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function response(o: TransactionOutcome) {
  if (o.kind !== "response") throw new Error(`expected a response, got ${o.kind}`);
  return o;
}

describe("a REGISTER over UDP", () => {
  it("goes out with our Via first (branch z9hG4bK…, rport, socket address) and returns the 200 with received/rport", async () => {
    const reg = await peer((text, reply) =>
      reply(echoResponse(text, 200, "OK", { viaSuffix: ";received=192.0.2.7;rport=40000" })),
    );
    const t = await transport();
    const local = t.sockets()[0]!;
    const localPort = Number(local.split(":").at(-1));
    const o = response(await t.send(register(`sip:127.0.0.1:${reg.port}`)));
    expect(o.response.status).toBe(200);
    expect(o.local).toBe(local);
    expect(o.proto).toBe("udp");
    expect(o.remote).toEqual({ proto: "udp", address: "127.0.0.1", port: reg.port });
    expect(o.received).toBe("192.0.2.7");
    expect(o.rport).toBe(40000);
    const wire = reg.received[0]!.text;
    const lines = wire.split("\r\n");
    expect(lines[0]).toBe(`REGISTER sip:127.0.0.1:${reg.port} SIP/2.0`);
    expect(lines[1]).toMatch(new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${localPort};branch=z9hG4bK[^;]+;rport$`));
    expect(lines[2]).toBe("To: <sip:alice@reg.test>");
    expect(wire.endsWith("Contact: <sip:alice@127.0.0.1:5060>;expires=60\r\n\r\n")).toBe(true);
    expect(reg.received[0]!.port).toBe(localPort);
    const c = t.counters;
    expect(c.requestsSent).toEqual({ REGISTER: 1 });
    expect(c.responsesReceived).toEqual({ "2xx": 1 });
    expect(c.inFlight).toBe(0);
  });

  it("uses a new branch for every transaction", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport();
    await t.send(register(`sip:127.0.0.1:${reg.port}`));
    await t.send(register(`sip:127.0.0.1:${reg.port}`));
    const branches = reg.received.map((r) => /branch=([^;\r]+)/.exec(r.text)?.[1]);
    expect(branches[0]).not.toBe(branches[1]);
  });

  it("drives hundreds of transactions from one timer (no timer per transaction)", async () => {
    const reg = await peer();
    const virtual = new VirtualClock();
    let armed = 0;
    const clock: Clock = {
      now: () => virtual.now(),
      wallNow: () => virtual.wallNow(),
      setTimer: (ms, cb) => {
        armed++;
        return virtual.setTimer(ms, cb);
      },
    };
    const t = await transport({ timers: { t1Ms: 50, t2Ms: 400, frTimeoutS: 0.5 }, clock });
    const outcomes: TransactionOutcome[] = [];
    const sends = Array.from({ length: 300 }, (_, i) =>
      t.send(register(`sip:127.0.0.1:${reg.port}`, { callId: `many-${i}` })).then((o) => outcomes.push(o)),
    );
    // An IP-literal next hop needs no resolving: all 300 went out at virtual time 0.
    expect(virtual.nextDeadline()).toBe(50);
    expect(await virtual.runUntil(() => outcomes.length === 300, 10_000)).toBe(true);
    await Promise.all(sends);
    expect(outcomes.every((o) => o.kind === "timeout")).toBe(true);
    // Each: sent at 0, retransmitted at 50, 150 and 350 ms (the next, at 750, is past Timer F at 500).
    expect(t.counters.retransmissions).toBe(300 * 3);
    expect(t.counters.timeouts).toBe(300);
    // 300 transactions × (3 retransmissions + 1 timeout) timer events, served by a few timers of the clock.
    expect(armed).toBeLessThan(100);
  });

  it("gets through when the peer drops the first two datagrams (Timer E retransmission)", async () => {
    const reg = await peer((text, reply, i) => {
      if (i >= 2) reply(echoResponse(text, 200, "OK"));
    });
    const clock = new VirtualClock();
    const t = await transport({ clock });
    const sent = t.send(register(`sip:127.0.0.1:${reg.port}`));
    await reg.waitFor(1);
    await clock.advance(50); // Timer E: the first copy, dropped
    await reg.waitFor(2);
    await clock.advance(100); // Timer E doubled: the second copy, answered
    const o = response(await sent);
    expect(o.response.status).toBe(200);
    expect(reg.received.length).toBe(3);
    expect(new Set(reg.received.map((r) => r.text)).size).toBe(1); // same bytes, same branch
    expect(t.counters.retransmissions).toBe(2);
  });

  it("times out at fr_timeout when the peer never answers, retransmitting T1-doubling", async () => {
    const reg = await peer();
    const clock = new VirtualClock();
    const t = await transport({ clock });
    let outcome: TransactionOutcome | undefined;
    const sent = t.send(register(`sip:127.0.0.1:${reg.port}`)).then((o) => {
      outcome = o;
    });
    await reg.waitFor(1);
    // Timer E: a copy at 50, 150, 350 and 750 ms (T1 doubling, capped at T2 = 400); the next one, at 1150 ms, would
    // come after Timer F (fr_timeout 1 s).
    for (const [n, at] of [50, 150, 350, 750].entries()) {
      expect(clock.nextDeadline()).toBe(at);
      await clock.advance(at - clock.now());
      await reg.waitFor(n + 2);
      expect(outcome).toBeUndefined();
    }
    expect(clock.nextDeadline()).toBe(1000);
    await clock.advance(999 - clock.now());
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await sent;
    expect(outcome?.kind).toBe("timeout");
    expect(clock.now()).toBe(1000);
    expect(clock.pendingTimers).toBe(0);
    // Whatever Timer F left in flight has reached the peer once the marker's answer is back: still 5 copies.
    await answersBeforeMarker(reg.socket, Number(t.sockets()[0]!.split(":").at(-1)));
    expect(reg.received.filter((r) => r.text.startsWith("REGISTER ")).length).toBe(5);
    expect(new Set(reg.received.filter((r) => r.text.startsWith("REGISTER ")).map((r) => r.text)).size).toBe(1);
    expect(t.counters.retransmissions).toBe(4);
    expect(t.counters.timeouts).toBe(1);
  });

  it("passes 1xx to onProvisional and returns the final response", async () => {
    // The peer sends the 401 only once the test has seen the 100 reach onProvisional.
    let sawProvisional: () => void = () => {};
    const provisional = new Promise<void>((resolve) => {
      sawProvisional = resolve;
    });
    const reg = await peer((text, reply) => {
      reply(echoResponse(text, 100, "Trying"));
      void provisional.then(() => reply(echoResponse(text, 401, "Unauthorized")));
    });
    const t = await transport();
    const seen: number[] = [];
    const o = response(
      await t.send(register(`sip:127.0.0.1:${reg.port}`), {
        onProvisional: (r) => {
          seen.push(r.status);
          sawProvisional();
        },
      }),
    );
    expect(seen).toEqual([100]);
    expect(o.response.status).toBe(401);
  });

  it("drops responses with a wrong branch, CSeq method, CSeq number or Call-ID, and counts them", async () => {
    // The right response goes last: loopback keeps the order, so the four wrong ones are handled before it.
    const reg = await peer((text, reply) => {
      reply(echoResponse(text, 200, "OK", { branch: "z9hG4bKnotours" }));
      reply(echoResponse(text, 200, "OK", { cseq: "1 OPTIONS" }));
      reply(echoResponse(text, 200, "OK", { cseq: "2 REGISTER" }));
      reply(echoResponse(text, 200, "OK", { callId: "someone-else" }));
      reply(echoResponse(text, 202, "Accepted"));
    });
    const t = await transport();
    const o = response(await t.send(register(`sip:127.0.0.1:${reg.port}`)));
    expect(o.response.status).toBe(202);
    expect(t.counters.unmatchedResponses).toBe(4);
    expect(t.counters.dropped).toBe(4);
  });

  it("absorbs a retransmitted final response (Timer K)", async () => {
    // The 200, its retransmission, then a marker OPTIONS: its answer proves the transport has handled the second 200.
    const reg = await peer((text, reply, i) => {
      if (i > 0) return;
      reply(echoResponse(text, 200, "OK"));
      reply(echoResponse(text, 200, "OK"));
      reply(optionsRequest("timer-k-marker"));
    });
    const t = await transport();
    const o = response(await t.send(register(`sip:127.0.0.1:${reg.port}`)));
    expect(o.response.status).toBe(200);
    await reg.waitFor(2);
    expect(reg.received[1]!.text).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(headerLines(reg.received[1]!.text, "Call-ID")).toEqual(["timer-k-marker"]);
    expect(t.counters.responsesReceived).toEqual({ "2xx": 2 });
    expect(t.counters.unmatchedResponses).toBe(0);
  });

  it("works over IPv6 on ::1", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")), 6);
    const t = await transport({ listen: ["udp:[::1]:0"] });
    expect(t.sockets()[0]).toMatch(/^udp:\[::1\]:\d+$/);
    const o = response(await t.send(register(`sip:[::1]:${reg.port}`)));
    expect(o.response.status).toBe(200);
    expect(reg.received[0]!.text).toMatch(/^Via: SIP\/2\.0\/UDP \[::1\]:\d+;branch=/m);
  });
});

describe("sendWith (the callback form the engine uses)", () => {
  it("hands the 200 to the callback exactly once, and a closed transport's failure before it returns", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport();
    const outcomes: TransactionOutcome[] = [];
    const got = new Promise<void>((resolve) => {
      t.sendWith(register(`sip:127.0.0.1:${reg.port}`), (o) => {
        outcomes.push(o);
        resolve();
      });
    });
    expect(outcomes).toEqual([]); // the datagram is out; the answer comes later
    await got;
    expect(outcomes).toHaveLength(1);
    expect(response(outcomes[0]!).response.status).toBe(200);
    expect(reg.received).toHaveLength(1);
    expect(t.counters.inFlight).toBe(0);
    await t.close();
    const late: TransactionOutcome[] = [];
    t.sendWith(register(`sip:127.0.0.1:${reg.port}`), (o) => late.push(o));
    expect(late.map((o) => o.kind)).toEqual(["transport-error"]);
    expect(reg.received).toHaveLength(1);
  });
});

describe("local sockets", () => {
  it("sends from the forced socket and knows which sockets listen", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport({ listen: ["udp:127.0.0.1:0", "UDP:127.0.0.1:0"] });
    const [first, second] = t.sockets();
    expect(t.hasSocket(second!)).toBe(true);
    expect(t.hasSocket("udp:127.0.0.1:1")).toBe(false);
    expect(t.hasSocket("not a socket")).toBe(false);
    const o = response(await t.send({ ...register(`sip:127.0.0.1:${reg.port}`), socket: second! }));
    expect(o.local).toBe(second);
    expect(reg.received[0]!.port).toBe(Number(second!.split(":").at(-1)));
    expect(first).not.toBe(second);
    const missing = await t.send({ ...register(`sip:127.0.0.1:${reg.port}`), socket: "udp:127.0.0.1:1" });
    expect(missing.kind).toBe("transport-error");
  });

  it("open() rejects with an error naming the socket", async () => {
    const busy = await transport();
    await expect(SipTransport.open({ listen: [busy.sockets()[0]!] })).rejects.toThrow(
      new RegExp(`cannot listen on ${busy.sockets()[0]!.replace(/[.[\]]/g, "\\$&")}`),
    );
    await expect(SipTransport.open({ listen: ["sctp:127.0.0.1:5060"] })).rejects.toThrow(/sctp:127\.0\.0\.1:5060/);
    await expect(SipTransport.open({ listen: ["tls:127.0.0.1:0"] })).rejects.toThrow(/needs tls/);
  });

  it("sends every request at once, in order: no in-flight bound of its own (the engine's admission queue bounds)", async () => {
    const held: Array<() => void> = [];
    const reg = await peer((text, reply) => held.push(() => reply(echoResponse(text, 200, "OK"))));
    const t = await transport({ timers: { t1Ms: 500, frTimeoutS: 5 } });
    const order: number[] = [];
    const sends = [0, 1, 2, 3, 4].map((i) =>
      t.send(register(`sip:127.0.0.1:${reg.port}`, { callId: `fifo-${i}` })).then(() => order.push(i)),
    );
    await reg.waitFor(5);
    expect(t.counters.inFlight).toBe(5);
    expect(held.length).toBe(5);
    // Answered one at a time, in order: each outcome is awaited before the next answer goes out.
    for (const [i, answer] of held.entries()) {
      answer();
      await sends[i];
    }
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(reg.received.map((r) => headerLines(r.text, "Call-ID")[0])).toEqual([0, 1, 2, 3, 4].map((i) => `fifo-${i}`));
    expect(t.counters.inFlight).toBe(0);
  });
});

describe("sends that fail at once", () => {
  it("reports a resolver that throws instead of rejecting as a transport error and frees the slot", async () => {
    const t = await transport({
      resolver: {
        resolve() {
          throw new Error("resolver exploded");
        },
      },
    });
    const outcomes = await Promise.all([t.send(register("sip:reg.test")), t.send(register("sip:reg.test"))]);
    for (const o of outcomes) {
      expect(o.kind).toBe("transport-error");
      if (o.kind === "transport-error") expect(o.error.message).toBe("resolver exploded");
    }
    expect(t.counters.transportErrors).toBe(2);
    expect(t.counters.inFlight).toBe(0);
  });

  it("ends 20000 sends that fail at once without deepening the stack, beside one in flight", async () => {
    const held: Array<() => void> = [];
    const reg = await peer((text, reply) => held.push(() => reply(echoResponse(text, 200, "OK"))));
    // The clock is virtual: however long the 20 000 sends take, Timer F cannot end the one in flight before its 200.
    const t = await transport({ timers: { t1Ms: 500, frTimeoutS: 30 } });
    const first = t.send(register(`sip:127.0.0.1:${reg.port}`));
    const sends = Array.from({ length: 20_000 }, (_, i) =>
      t.send({ ...register(`sip:127.0.0.1:${reg.port}`), callId: `q-${i}`, socket: "udp:127.0.0.1:1" }),
    );
    await reg.waitFor(1);
    expect(t.counters.inFlight).toBe(1);
    held[0]!();
    expect(response(await first).response.status).toBe(200);
    const outcomes = await Promise.all(sends);
    expect(outcomes.every((o) => o.kind === "transport-error" && /not listening/.test(o.error.message))).toBe(true);
    expect(t.counters.inFlight).toBe(0);
  });
});

describe("RFC 3263 failover", () => {
  it("moves from a dead SRV target to the live one with a new branch", async () => {
    const dead = await peer();
    const live = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const resolver = new StaticResolver({
      srv: {
        "_sip._udp.pool.test": [
          { priority: 1, weight: 0, port: dead.port, name: "dead.pool.test" },
          { priority: 2, weight: 0, port: live.port, name: "live.pool.test" },
        ],
      },
      a: { "dead.pool.test": ["127.0.0.1"], "live.pool.test": ["127.0.0.1"] },
    });
    const clock = new VirtualClock();
    const t = await transport({ resolver, clock, timers: { t1Ms: 50, frTimeoutS: 0.3 } });
    const sent = t.send(register("sip:pool.test"));
    await dead.waitFor(1);
    // Copies at 0, 50 and 150 ms, then Timer F at 300 ms moves the send to the next target, which answers at once.
    await clock.advance(300);
    const o = response(await sent);
    expect(o.remote.port).toBe(live.port);
    expect(dead.received.length).toBeGreaterThan(0);
    const branch = (s: string) => /branch=([^;\r]+)/.exec(s)?.[1];
    expect(branch(live.received[0]!.text)).not.toBe(branch(dead.received[0]!.text));
    expect(t.counters.failovers).toBe(1);
  });

  it("moves on after a 503 and returns the last outcome when every target fails", async () => {
    const busy = await peer((text, reply) => reply(echoResponse(text, 503, "Service Unavailable")));
    const live = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const resolver = new StaticResolver({
      srv: {
        "_sip._udp.pool.test": [
          { priority: 1, weight: 0, port: busy.port, name: "busy.pool.test" },
          { priority: 2, weight: 0, port: live.port, name: "live.pool.test" },
        ],
        "_sip._udp.allbusy.test": [{ priority: 1, weight: 0, port: busy.port, name: "busy.pool.test" }],
      },
      a: { "busy.pool.test": ["127.0.0.1"], "live.pool.test": ["127.0.0.1"] },
    });
    const t = await transport({ resolver });
    expect(response(await t.send(register("sip:pool.test"))).response.status).toBe(200);
    expect(response(await t.send(register("sip:allbusy.test"))).response.status).toBe(503);
    const none = await t.send(register("sip:nothing.test"));
    expect(none.kind).toBe("transport-error");
    if (none.kind === "transport-error") expect(none.error.message).toMatch(/no RFC 3263 target/);
  });

  it("resolves a host name with the default node:dns resolver (sip:localhost:port)", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport({ resolver: undefined });
    const o = response(await t.send(register(`sip:localhost:${reg.port}`)));
    expect(o.remote).toEqual({ proto: "udp", address: "127.0.0.1", port: reg.port });
  });

  it("skips DNS for a pinned destination", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport({ resolver: new StaticResolver({}) });
    const o = response(
      await t.send({
        ...register("sip:registrar.invalid"),
        destination: { proto: "udp", address: "127.0.0.1", port: reg.port },
      }),
    );
    expect(o.response.status).toBe(200);
  });
});

describe("what arrives unasked", () => {
  /** Sends `text` from a fresh socket and resolves with the transport's answer. */
  const ask = (t: SipTransport, text: string): Promise<string> => askOnce(portOf(t), text);
  /**
   * Sends `text` and then a marker OPTIONS from a fresh socket; resolves with the first answer that came back before
   * the marker's, or undefined when the marker's answer came first (the transport answered nothing to `text`).
   */
  async function askOrSilence(t: SipTransport, text: string): Promise<string | undefined> {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    const before = await answersBeforeMarker(s, portOf(t), text);
    s.close();
    return before[0];
  }
  const portOf = (t: SipTransport) => Number(t.sockets()[0]!.split(":").at(-1));
  const request = (method: string) =>
    `${method} sip:alice@127.0.0.1 SIP/2.0\r\n` +
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKping1;rport\r\n" +
    "Via: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bKfirst\r\n" +
    "From: <sip:registrar@reg.test>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\n" +
    `Call-ID: ping-1\r\nCSeq: 7 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

  it("answers OPTIONS with 200 OK, copying the headers, stamping received/rport and adding a To tag", async () => {
    const t = await transport({ userAgent: "uacreg test" });
    const r = await ask(t, request("OPTIONS"));
    const lines = r.split("\r\n");
    expect(lines[0]).toBe("SIP/2.0 200 OK");
    expect(lines[1]).toMatch(
      /^Via: SIP\/2\.0\/UDP 10\.0\.0\.9:5060;branch=z9hG4bKping1;rport=\d+;received=127\.0\.0\.1$/,
    );
    expect(lines[2]).toBe("Via: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bKfirst");
    expect(r).toContain("From: <sip:registrar@reg.test>;tag=r1\r\n");
    expect(r).toMatch(/\r\nTo: <sip:alice@127\.0\.0\.1>;tag=\w+\r\n/);
    expect(r).toContain("Call-ID: ping-1\r\nCSeq: 7 OPTIONS\r\n");
    expect(r).toContain("Server: uacreg test\r\n");
    expect(t.counters.requestsReceived).toEqual({ OPTIONS: 1 });
    expect(t.counters.responsesSent).toEqual({ "2xx": 1 });
  });

  it("answers INVITE with 405 + Allow, an unknown method with 501, and ACK with nothing", async () => {
    const t = await transport();
    const invite = await ask(t, request("INVITE"));
    expect(invite).toMatch(/^SIP\/2\.0 405 Method Not Allowed/);
    expect(invite).toContain("Allow: OPTIONS\r\n");
    expect(await ask(t, request("FROBNICATE"))).toMatch(/^SIP\/2\.0 501 Not Implemented\r\n/);
    expect(await askOrSilence(t, request("ACK"))).toBeUndefined();
  });

  it("drops a garbage datagram without a reply and counts it", async () => {
    const t = await transport();
    expect(await askOrSilence(t, "\u0000\u0001 hello, not SIP\r\n\r\n")).toBeUndefined();
    expect(await askOrSilence(t, "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n")).toBeUndefined();
    const c = t.counters;
    expect(c.parseErrors).toBe(1);
    expect(c.dropped).toBe(2);
    // the socket still works
    expect(await ask(t, request("OPTIONS"))).toMatch(/^SIP\/2\.0 200 OK/);
  });
});

describe("hostile input", () => {
  it("survives mutated and truncated messages on UDP and TCP, then still works", async () => {
    const reg = await peer((text, reply) => reply(echoResponse(text, 200, "OK")));
    const t = await transport({ listen: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"] });
    const [udpSpec, tcpSpec] = t.sockets();
    const udpPort = Number(udpSpec!.split(":").at(-1));
    const tcpPort = Number(tcpSpec!.split(":").at(-1));
    const sample =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport=1;received=1.2.3.4\r\n" +
      "From: <sip:a@x>;tag=1\r\nTo: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
    let seed = 1;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const s = dgram.createSocket("udp4");
    const { connect } = await import("node:net");
    const tcp = connect(tcpPort, "127.0.0.1");
    tcp.on("error", () => {});
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(sample.slice(0, rnd(sample.length + 1)));
      for (let k = 0; k < 3; k++) if (bytes.length > 0) bytes[rnd(bytes.length)] = rnd(256);
      s.send(bytes, udpPort, "127.0.0.1");
      if (!tcp.destroyed) tcp.write(bytes);
    }
    // Everything is handled once the marker after the UDP datagrams is answered, and once the connection is closed
    // after our FIN (the transport reads what precedes it, or has closed the connection on a framing error).
    const tcpClosed = once(tcp, "close");
    tcp.end();
    await answersBeforeMarker(s, udpPort, Buffer.alloc(0));
    await tcpClosed;
    s.close();
    expect(t.counters.dropped).toBeGreaterThan(100);
    const o = response(await t.send(register(`sip:127.0.0.1:${reg.port}`)));
    expect(o.response.status).toBe(200);
  });
});
