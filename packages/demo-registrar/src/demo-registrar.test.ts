import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { computeCredentials, formatAuthorization, parseChallenges } from "@uacreg/digest";
import { parseMessage, type SipResponse } from "@uacreg/sip";
import { VirtualClock } from "@uacreg/runtime/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DemoRegistrar, type DemoRegistrarOptions, startDemoRegistrar } from "./index.js";

/** A UA on loopback that writes its REGISTERs by hand. */
class Ua {
  readonly socket: Socket;
  private readonly inbox: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | undefined;
  readonly callId = randomBytes(8).toString("hex");
  cseq = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("message", (b) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(b);
      else this.inbox.push(b);
    });
  }

  static async open(): Promise<Ua> {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return new Ua(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends a datagram and expects nothing back. */
  sendOnly(text: string | Buffer, port: number): void {
    this.socket.send(typeof text === "string" ? Buffer.from(text) : text, port, "127.0.0.1");
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
    this.socket.send(typeof text === "string" ? Buffer.from(text) : text, port, "127.0.0.1");
    const queued = this.inbox.shift();
    if (queued) return queued;
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  registerText(
    o: { aor?: string; contact?: string; extra?: string[]; branch?: string; cseq?: number; viaParams?: string } = {},
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
      `Contact: ${o.contact ?? `<sip:alice@127.0.0.1:${this.port}>;expires=120`}`,
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
    const raw = await ua.sendRaw(
      [
        "OPTIONS sip:uacreg.demo SIP/2.0",
        `Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bKopt1`,
        "From: <sip:ping@uacreg.demo>;tag=p",
        "To: <sip:uacreg.demo>",
        "Call-ID: opt1",
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
      registrar.port,
    );
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
