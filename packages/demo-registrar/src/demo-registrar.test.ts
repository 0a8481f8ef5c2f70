import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { computeCredentials, formatAuthorization, parseChallenges } from "@uacreg/digest";
import { parseMessage, type SipResponse } from "@uacreg/sip";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type DemoRegistrar,
  DemoRegistrarConfigError,
  type DemoRegistrarOptions,
  type RegisterLogEntry,
  startDemoRegistrar,
} from "./index.js";

/** A UA on loopback that writes its REGISTERs by hand. */
class Ua {
  readonly socket: Socket;
  private readonly inbox: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | undefined;
  readonly callId = randomBytes(8).toString("hex");
  cseq = 0;
  /** Where datagrams go (the registrar's address). */
  target = "127.0.0.1";

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("message", (b) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(b);
      else this.inbox.push(b);
    });
  }

  static async open(host = "127.0.0.1"): Promise<Ua> {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, host, () => r()));
    return new Ua(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends a datagram and expects nothing back. */
  sendOnly(text: string | Buffer, port: number): void {
    this.socket.send(typeof text === "string" ? Buffer.from(text) : text, port, this.target);
  }

  /** Datagrams received and not yet read. */
  pending(): number {
    return this.inbox.length;
  }

  /**
   * Sends a datagram and resolves with the next one received. Every caller expects an answer: a registrar that
   * never answers fails the test at vitest's test timeout instead of at a timer of ours.
   */
  async sendRaw(text: string | Buffer, port: number): Promise<Buffer> {
    this.socket.send(typeof text === "string" ? Buffer.from(text) : text, port, this.target);
    const queued = this.inbox.shift();
    if (queued) return queued;
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  registerText(
    o: {
      aor?: string;
      contact?: string | null;
      extra?: string[];
      branch?: string;
      cseq?: number;
      viaParams?: string;
    } = {},
  ): string {
    const aor = o.aor ?? "sip:alice@uacreg.demo";
    return [
      "REGISTER sip:uacreg.demo SIP/2.0",
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${o.branch ?? `z9hG4bK${randomBytes(6).toString("hex")}`}${o.viaParams ?? ""}`,
      `From: <${aor}>;tag=ua1`,
      `To: <${aor}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${o.cseq ?? ++this.cseq} REGISTER`,
      "Max-Forwards: 70",
      ...(o.contact === null ? [] : [`Contact: ${o.contact ?? `<sip:alice@127.0.0.1:${this.port}>;expires=120`}`]),
      ...(o.extra ?? []),
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
  }

  async register(port: number, o: Parameters<Ua["registerText"]>[0] = {}): Promise<SipResponse> {
    return parseMessage(await this.sendRaw(this.registerText(o), port)) as SipResponse;
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** An OPTIONS from a UA at 127.0.0.1:`port`; `id` names its branch and Call-ID. */
function optionsText(port: number, id: string): string {
  return [
    "OPTIONS sip:uacreg.demo SIP/2.0",
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${id}`,
    "From: <sip:ping@uacreg.demo>;tag=p",
    "To: <sip:uacreg.demo>",
    `Call-ID: ${id}`,
    "CSeq: 1 OPTIONS",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

function authorize(challengeResponse: SipResponse, password: string, nc = 1, username = "alice"): string {
  const [challenge] = parseChallenges(challengeResponse.getHeaders("www-authenticate"));
  if (!challenge) throw new Error("no challenge");
  const cred = computeCredentials({
    challenge,
    username,
    password,
    method: "REGISTER",
    uri: "sip:uacreg.demo",
    nc,
    cnonce: randomBytes(8).toString("hex"),
  });
  return `Authorization: ${formatAuthorization(cred)}`;
}

let clock = new VirtualClock({ start: 1_800_000_000_000 });
let registrar: DemoRegistrar;
let ua: Ua;
async function start(extra: Partial<DemoRegistrarOptions> = {}): Promise<void> {
  registrar = await startDemoRegistrar({
    users: { alice: "secret", bob: "bobpw" },
    minExpires: 60,
    maxExpires: 600,
    clock,
    ...extra,
  });
}

beforeEach(async () => {
  clock = new VirtualClock({ start: 1_800_000_000_000 });
  ua = await Ua.open();
});
afterEach(async () => {
  await registrar?.close();
  await ua.close();
});

describe("REGISTER with the right credentials", () => {
  it("is challenged with 401 (MD5, qop auth), then answered 200 with the binding and its expires", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    expect(r1.status).toBe(401);
    const www = r1.getHeader("www-authenticate") ?? "";
    expect(www).toMatch(/^Digest realm="uacreg\.demo", nonce="[0-9a-f]{32}", qop="auth", algorithm=MD5$/);
    expect(r1.getHeader("to")).toMatch(/;tag=/);
    const r2 = await ua.register(registrar.port, { extra: [authorize(r1, "secret")] });
    expect(r2.status).toBe(200);
    expect(r2.getHeaders("contact")).toEqual([`<sip:alice@127.0.0.1:${ua.port}>;expires=120`]);
    expect(registrar.bindings()).toMatchObject([
      { aor: "sip:alice@uacreg.demo", contact: `sip:alice@127.0.0.1:${ua.port}`, expires: 120, cseq: 2 },
    ]);
  });

  it("accepts the next request preemptively with the same nonce and nc+1, but not a replayed nc", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    expect((await ua.register(registrar.port, { extra: [authorize(r1, "secret", 1)] })).status).toBe(200);
    expect((await ua.register(registrar.port, { extra: [authorize(r1, "secret", 2)] })).status).toBe(200);
    const replay = await ua.register(registrar.port, { extra: [authorize(r1, "secret", 2)] });
    expect(replay.status).toBe(401);
    expect(replay.getHeader("www-authenticate")).not.toMatch(/stale/);
  });

  it("answers a nonce older than its lifetime with a new challenge marked stale=true", async () => {
    await start({ nonceLifetimeMs: 60_000 });
    const r1 = await ua.register(registrar.port);
    clock.advanceSync(61_000);
    const r2 = await ua.register(registrar.port, { extra: [authorize(r1, "secret")] });
    expect(r2.status).toBe(401);
    expect(r2.getHeader("www-authenticate")).toMatch(/, stale=true$/);
    expect((await ua.register(registrar.port, { extra: [authorize(r2, "secret")] })).status).toBe(200);
  });

  it("answers a retransmission with the same response, without processing it again", async () => {
    await start();
    const text = ua.registerText({ branch: "z9hG4bKretrans1" });
    const a = await ua.sendRaw(text, registrar.port);
    const b = await ua.sendRaw(text, registrar.port);
    expect(b.toString()).toBe(a.toString());
    expect(registrar.stats()).toMatchObject({ retransmissions: 1, challenged: 1 });
  });
});

describe("REGISTER with wrong credentials", () => {
  it("gets 401 again with a fresh nonce and no stale flag (what Kamailio and OpenSIPS do), and no binding", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    const r2 = await ua.register(registrar.port, { extra: [authorize(r1, "wrong")] });
    expect(r2.status).toBe(401);
    const www = r2.getHeader("www-authenticate") ?? "";
    expect(www).not.toBe(r1.getHeader("www-authenticate"));
    expect(www).not.toMatch(/stale/);
    expect(registrar.bindings()).toEqual([]);
    expect(registrar.stats().rejected).toBe(1);
  });

  it("gets 403 when wrongCredentialsStatus is 403", async () => {
    await start({ wrongCredentialsStatus: 403 });
    const r1 = await ua.register(registrar.port);
    expect((await ua.register(registrar.port, { extra: [authorize(r1, "wrong")] })).status).toBe(403);
  });

  it("gets 403 when a valid user registers somebody else's AOR", async () => {
    await start();
    const aor = "sip:alice@uacreg.demo";
    const r1 = await ua.register(registrar.port, { aor });
    const r2 = await ua.register(registrar.port, { aor, extra: [authorize(r1, "bobpw", 1, "bob")] });
    expect(r2.status).toBe(403);
  });

  it("never puts the password in events", async () => {
    const events: unknown[] = [];
    await start({ onEvent: (e) => events.push(e) });
    const r1 = await ua.register(registrar.port);
    await ua.register(registrar.port, { extra: [authorize(r1, "wrong")] });
    const r3 = await ua.register(registrar.port);
    await ua.register(registrar.port, { extra: [authorize(r3, "secret")] });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(events)).not.toContain("secret");
  });
});

describe("expiry", () => {
  async function registered(contact: string, extra: string[] = []): Promise<SipResponse> {
    const r1 = await ua.register(registrar.port, { contact, extra });
    return ua.register(registrar.port, { contact, extra: [...extra, authorize(r1, "secret", 1)] });
  }

  it("answers 423 with Min-Expires below minExpires", async () => {
    await start();
    const r = await registered(`<sip:alice@127.0.0.1:${ua.port}>;expires=30`);
    expect(r.status).toBe(423);
    expect(r.getHeader("min-expires")).toBe("60");
    expect(registrar.bindings()).toEqual([]);
  });

  it("grants at most maxExpires, and uses the Expires header when the contact has no parameter", async () => {
    await start();
    const r = await registered(`<sip:alice@127.0.0.1:${ua.port}>`, ["Expires: 7200"]);
    expect(r.status).toBe(200);
    expect(r.getHeader("contact")).toBe(`<sip:alice@127.0.0.1:${ua.port}>;expires=600`);
  });

  it("drops a binding once it has expired", async () => {
    await start();
    await registered(`<sip:alice@127.0.0.1:${ua.port}>;expires=60`);
    clock.advanceSync(59_000);
    expect(registrar.bindings()[0]?.expires).toBe(1);
    clock.advanceSync(2_000);
    expect(registrar.bindings()).toEqual([]);
  });
});

describe("unREGISTER", () => {
  it("removes the binding on expires=0", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    expect((await ua.register(registrar.port, { extra: [authorize(r1, "secret", 1)] })).status).toBe(200);
    expect(registrar.bindings()).toHaveLength(1);
    const r3 = await ua.register(registrar.port, {
      contact: `<sip:alice@127.0.0.1:${ua.port}>;expires=0`,
      extra: [authorize(r1, "secret", 2)],
    });
    expect(r3.status).toBe(200);
    expect(r3.getHeaders("contact")).toEqual([]);
    expect(registrar.bindings()).toEqual([]);
    expect(registrar.stats().unregistered).toBe(1);
  });

  it("removes every binding of the AOR on Contact: * with Expires: 0", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    await ua.register(registrar.port, {
      contact: `<sip:alice@127.0.0.1:${ua.port}>;expires=120, <sip:alice@192.0.2.9:5060>;expires=300`,
      extra: [authorize(r1, "secret", 1)],
    });
    expect(registrar.bindings()).toHaveLength(2);
    const r = await ua.register(registrar.port, { contact: "*", extra: ["Expires: 0", authorize(r1, "secret", 2)] });
    expect(r.status).toBe(200);
    expect(registrar.bindings()).toEqual([]);
  });

  it("rejects Contact: * without Expires: 0 with 400", async () => {
    await start();
    const r1 = await ua.register(registrar.port);
    const r = await ua.register(registrar.port, { contact: "*", extra: [authorize(r1, "secret", 1)] });
    expect(r.status).toBe(400);
  });
});

describe("bindings with reg-id and +sip.instance (RFC 5626)", () => {
  it("replaces the binding of the same instance and reg-id, and lists the params in the 200", async () => {
    await start();
    const params = ';reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"';
    const r1 = await ua.register(registrar.port);
    await ua.register(registrar.port, {
      contact: `<sip:alice@127.0.0.1:${ua.port}>${params};expires=120`,
      extra: [authorize(r1, "secret", 1)],
    });
    const r = await ua.register(registrar.port, {
      contact: `<sip:alice@127.0.0.1:5999>${params};expires=120`,
      extra: [authorize(r1, "secret", 2)],
    });
    expect(r.getHeaders("contact")).toEqual([`<sip:alice@127.0.0.1:5999>${params};expires=120`]);
    expect(registrar.bindings()).toMatchObject([
      { instance: "<urn:uuid:00000000-0000-1000-8000-00000000000f>", regId: "1" },
    ]);
  });
});

describe("other traffic", () => {
  it("fills in rport and received when the top Via asks for them (RFC 3581)", async () => {
    await start();
    const r = await ua.register(registrar.port, { viaParams: ";rport" });
    expect(r.getHeader("via")).toMatch(new RegExp(`;rport=${ua.port};received=127\\.0\\.0\\.1$`));
    const plain = await ua.register(registrar.port);
    expect(plain.getHeader("via")).not.toMatch(/rport|received/);
  });

  it("answers OPTIONS with 200 and Allow", async () => {
    await start();
    const raw = await ua.sendRaw(optionsText(ua.port, "opt1"), registrar.port);
    const r = parseMessage(raw) as SipResponse;
    expect(r.status).toBe(200);
    expect(r.getHeader("allow")).toBe("REGISTER, OPTIONS");
  });

  it("drops garbage and responses silently and keeps serving", async () => {
    await start();
    ua.sendOnly(Buffer.from([0, 1, 2, 255, 13, 10]), registrar.port);
    ua.sendOnly("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", registrar.port);
    ua.sendOnly("REGISTER sip:x SIP/2.0\r\nVia: bogus\r\n\r\n", registrar.port);
    // On loopback the registrar reads our datagrams in order and its answers come back in order: had it answered
    // any of the three, that answer would arrive before the 401 to the REGISTER sent after them.
    const reply = await ua.register(registrar.port);
    expect(reply.status).toBe(401);
    expect(reply.getHeader("cseq")).toBe(`${ua.cseq} REGISTER`);
    expect(ua.pending()).toBe(0);
    expect(registrar.stats().dropped).toBe(3);
  });
});

describe("the Call-ID/CSeq rule (RFC 3261 §10.3 step 7)", () => {
  async function registeredThenReplayed(): Promise<SipResponse> {
    const r1 = await ua.register(registrar.port);
    expect((await ua.register(registrar.port, { extra: [authorize(r1, "secret", 1)] })).status).toBe(200);
    // Same Call-ID, a CSeq that is not higher (a late refresh from a node that lost the record), new branch.
    return ua.register(registrar.port, {
      cseq: ua.cseq,
      contact: `<sip:alice@127.0.0.1:${ua.port}>;expires=300`,
      extra: [authorize(r1, "secret", 2)],
    });
  }

  it("answers 500 by default and keeps the binding as it was", async () => {
    await start();
    const r = await registeredThenReplayed();
    expect(r.status).toBe(500);
    expect(registrar.bindings()).toMatchObject([{ cseq: 2, expires: 120 }]);
  });

  it("answers 400 when outOfOrderStatus is 400 (Kamailio's answer), binding unchanged", async () => {
    await start({ outOfOrderStatus: 400 });
    const r = await registeredThenReplayed();
    expect(r.status).toBe(400);
    expect(registrar.bindings()).toMatchObject([{ cseq: 2, expires: 120 }]);
  });
});

describe("the REGISTER log", () => {
  it("records every REGISTER with its source, contacts, Call-ID, CSeq, status and whether it changed a binding", async () => {
    const log: RegisterLogEntry[] = [];
    await start({ registerLog: (e) => log.push(e) });
    const contact = `<sip:alice@127.0.0.1:${ua.port}>;expires=120`;
    const r1 = await ua.register(registrar.port, { contact });
    clock.advanceSync(250);
    const text = ua.registerText({ contact, branch: "z9hG4bKlog2", extra: [authorize(r1, "secret", 1)] });
    expect((parseMessage(await ua.sendRaw(text, registrar.port)) as SipResponse).status).toBe(200);
    await ua.sendRaw(text, registrar.port); // a retransmission: answered from the cache
    await ua.register(registrar.port, { cseq: 2, contact, extra: [authorize(r1, "secret", 2)] }); // out of order
    await ua.register(registrar.port, { contact: null, extra: [authorize(r1, "secret", 3)] }); // a query
    const source = `127.0.0.1:${ua.port}`;
    const base = { source, transport: "udp", aor: "sip:alice@uacreg.demo", wildcard: false, callId: ua.callId };
    const binding = [{ uri: `sip:alice@127.0.0.1:${ua.port}`, expires: 120 }];
    const t0 = clock.wallNow() - 250;
    expect(log).toEqual([
      { ...base, at: t0, contacts: binding, cseq: 1, status: 401, changed: false, retransmission: false },
      { ...base, at: t0 + 250, contacts: binding, cseq: 2, status: 200, changed: true, retransmission: false },
      { ...base, at: t0 + 250, contacts: binding, cseq: 2, status: 200, changed: false, retransmission: true },
      { ...base, at: t0 + 250, contacts: binding, cseq: 2, status: 500, changed: false, retransmission: false },
      { ...base, at: t0 + 250, contacts: [], cseq: 3, status: 200, changed: false, retransmission: false },
    ]);
    expect(JSON.stringify(log)).not.toContain("secret");
  });

  it("records an unREGISTER as a change, and a removal of an unknown contact as none", async () => {
    const log: RegisterLogEntry[] = [];
    await start({ registerLog: (e) => log.push(e) });
    const r1 = await ua.register(registrar.port);
    await ua.register(registrar.port, { extra: [authorize(r1, "secret", 1)] });
    const gone = (port: number) => `<sip:alice@127.0.0.1:${port}>;expires=0`;
    await ua.register(registrar.port, { contact: gone(ua.port), extra: [authorize(r1, "secret", 2)] });
    await ua.register(registrar.port, { contact: gone(1), extra: [authorize(r1, "secret", 3)] });
    expect(log.map((e) => [e.status, e.changed, e.contacts[0]?.expires])).toEqual([
      [401, false, 120],
      [200, true, 120],
      [200, true, 0],
      [200, false, 0],
    ]);
  });
});

describe("addresses and the receive buffer", () => {
  it("binds another loopback address and logs each sender's own address", async () => {
    const log: RegisterLogEntry[] = [];
    await start({ host: "127.0.0.3", registerLog: (e) => log.push(e) });
    const other = await Ua.open("127.0.0.2");
    other.target = "127.0.0.3";
    try {
      expect((await other.register(registrar.port)).status).toBe(401);
      expect(log.map((e) => e.source)).toEqual([`127.0.0.2:${other.port}`]);
    } finally {
      await other.close();
    }
  });

  /** Sends 50 OPTIONS in one turn of the event loop (the registrar, in this process, reads none of them until the
   * turn ends), then one REGISTER after they were read: its answer comes after every datagram was handled. */
  async function burst(): Promise<number> {
    const sender = await Ua.open();
    try {
      for (let i = 0; i < 50; i++) {
        sender.sendOnly(optionsText(sender.port, `burst${i}`), registrar.port);
      }
      await settle();
      await settle();
      expect((await ua.register(registrar.port)).status).toBe(401);
      return registrar.stats().options;
    } finally {
      await sender.close();
    }
  }

  it("drops most of a burst with a small receive buffer (recvBufferSize) and none without", async () => {
    await start();
    expect(await burst()).toBe(50);
    await registrar.close();
    await start({ recvBufferSize: 2048 });
    expect(await burst()).toBeLessThan(25);
  });

  it("refuses an out-of-order status other than 400/500 and a receive buffer that is not a positive integer", async () => {
    const users = { alice: "secret" };
    // @ts-expect-error: 404 is not a status this option takes
    await expect(startDemoRegistrar({ users, outOfOrderStatus: 404 })).rejects.toThrow(/outOfOrderStatus/);
    await expect(startDemoRegistrar({ users, recvBufferSize: 0 })).rejects.toThrow(DemoRegistrarConfigError);
  });
});
