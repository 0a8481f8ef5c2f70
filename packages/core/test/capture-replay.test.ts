/**
 * Replays the OpenSIPS 3.6.8 wire captures (docs/captures/, described in docs/captures/README.md) through core:
 * the registrar's replies are fed in as real bytes, and every request core sends is compared header by header with
 * the one OpenSIPS sent, modulo Via (the transport adds it), User-Agent, Call-ID/From-tag (random) and the digest
 * cnonce/response (random cnonce, docs/decisions.md). Where uacreg differs on purpose, the case says so.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CoreContext,
  type RegistrantEvent,
  type RegistrantRecord,
  type RegistrantRow,
  type SendAction,
  type StateName,
  parseRegistrantRow,
  copyRecord,
  createRecord,
  step,
  stateName,
} from "@uacreg/core";
import { parseMessage, SipResponse } from "@uacreg/sip";
import { describe, expect, it } from "vitest";
import { CAPTURE_PARAMS, captureRow, seededRandom } from "../src/test-support/registrant-fixtures.js";

/** The captures live once in the repository, beside their description. */
const CAPTURES = join(import.meta.dirname, "..", "..", "..", "docs", "captures");

interface Datagram {
  t: number;
  src: string;
  dst: string;
  payload: string;
}

function load(name: string): Datagram[] {
  const text = readFileSync(join(CAPTURES, `${name}.jsonl`), "latin1");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Datagram);
}

function header(lines: readonly string[], name: string): string | undefined {
  const l = lines.find((x) => x.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return l?.slice(name.length + 1).trim();
}

function digestParams(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of value.replace(/^Digest\s+/, "").matchAll(/([a-z]+)=("([^"]*)"|[^,\s]+)/g)) {
    map.set(m[1] as string, m[3] ?? (m[2] as string));
  }
  return map;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Independent RFC 2617 §3.2.2 check of an Authorization value core produced. */
function verifyDigest(value: string, password: string): void {
  const p = digestParams(value);
  const ha1 = md5(`${p.get("username")}:${p.get("realm")}:${password}`);
  const ha2 = md5(`REGISTER:${p.get("uri")}`);
  const expected = md5(`${ha1}:${p.get("nonce")}:${p.get("nc")}:${p.get("cnonce")}:${p.get("qop")}:${ha2}`);
  expect(p.get("response")).toBe(expected);
}

interface ReplayCase {
  name: string;
  row: Partial<RegistrantRow>;
  port: number;
  password?: string;
  /** Events to apply (at their times) before the request at this datagram index goes out. */
  triggers?: Record<number, Array<{ at: number; event: RegistrantEvent | ((r: RegistrantRecord) => RegistrantEvent) }>>;
  /** uacreg's deliberate differences: rewrite the expected (OpenSIPS) header lines of datagram i. */
  patch?: Record<number, (lines: string[]) => string[]>;
  final: { state: StateName; expires: number; enabled?: boolean };
  nextHop?: string;
  params?: Partial<CoreContext["params"]>;
}

function replay(c: ReplayCase): { record: RegistrantRecord; sent: SendAction[] } {
  const datagrams = load(c.name);
  const ctx: CoreContext = { params: { ...CAPTURE_PARAMS, ...c.params }, random: seededRandom(7) };
  const row = captureRow(c.row, c.port);
  const config = parseRegistrantRow(row, { timerInterval: 10, defaultExpires: 3600, userAgent: "uacreg/test" });
  const first = datagrams[0]?.payload.split("\r\n") ?? [];
  // Start from the Call-ID and tag OpenSIPS drew, so the registrar's replies match as they are.
  let record: RegistrantRecord = Object.assign(copyRecord(createRecord(config, ctx.random)), {
    callId: header(first, "Call-ID") as string,
    fromTag: /tag=([0-9a-f]+)/.exec(header(first, "From") ?? "")?.[1] as string,
  });
  const callIds = new Map<string, string>();
  const tags = new Map<string, string>();
  const queue: SendAction[] = [];
  const sent: SendAction[] = [];
  const apply = (event: RegistrantEvent, at: number) => {
    const s = step(record, event, at, ctx);
    record = s.record;
    for (const a of s.actions) if (a.type === "send") queue.push(a);
  };
  let lastRequest: { callId: string; cseq: string } | undefined;
  datagrams.forEach((d, i) => {
    const now = Math.floor(d.t);
    const lines = d.payload.split("\r\n");
    if (d.src === "OpenSIPS") {
      const callId = header(lines, "Call-ID") as string;
      const cseq = header(lines, "CSeq") as string;
      if (lastRequest?.callId === callId && lastRequest.cseq === cseq) return; // a retransmission (transport's job)
      lastRequest = { callId, cseq };
      for (const t of c.triggers?.[i] ?? []) apply(typeof t.event === "function" ? t.event(record) : t.event, t.at);
      if (queue.length === 0) apply({ type: "visit" }, now);
      const ours = queue.shift();
      expect(ours, `datagram ${i + 1}: core sent nothing`).toBeDefined();
      if (ours === undefined) return;
      sent.push(ours);
      if (!callIds.has(callId)) callIds.set(callId, ours.request.callId);
      const tag = /tag=([0-9a-f]+)/.exec(header(lines, "From") ?? "")?.[1] as string;
      if (!tags.has(tag)) tags.set(tag, /tag=([0-9a-f]+)/.exec(ours.request.headers)?.[1] as string);
      expect(lines[0]).toBe(`REGISTER ${ours.request.requestUri} SIP/2.0`);
      let expected = lines.slice(1).filter((l) => l !== "" && !l.startsWith("Via:"));
      expected = expected.map((l) =>
        l.startsWith("Call-ID:")
          ? `Call-ID: ${callIds.get(callId)}`
          : l.startsWith("From:")
            ? l.replace(`tag=${tag}`, `tag=${tags.get(tag)}`)
            : l.startsWith("User-Agent:")
              ? "User-Agent: uacreg/test"
              : l,
      );
      expected = c.patch?.[i]?.(expected) ?? expected;
      const got = ours.request.headers.split("\r\n").filter((l) => l !== "");
      const strip = (ls: string[]) => ls.map((l) => (/^(Proxy-)?Authorization:/.test(l) ? l.split(":")[0] : l));
      expect(strip(got), `datagram ${i + 1}`).toEqual(strip(expected));
      const authName = expected.find((l) => /^(Proxy-)?Authorization:/.test(l))?.split(":")[0];
      if (authName !== undefined) {
        const theirs = digestParams(header(expected, authName) as string);
        const mine = digestParams(header(got, authName) as string);
        for (const k of ["username", "realm", "nonce", "uri", "opaque", "qop", "nc", "algorithm"]) {
          expect(mine.get(k), `${authName} ${k}`).toBe(theirs.get(k));
        }
        expect(mine.get("cnonce")).toMatch(/^[0-9a-f]{32}$/);
        verifyDigest(header(got, authName) as string, c.password ?? "secret");
      }
      if (c.nextHop !== undefined) expect(ours.request.nextHop).toBe(c.nextHop);
    } else {
      let text = d.payload;
      for (const [theirs, mine] of callIds) text = text.replaceAll(theirs, mine);
      for (const [theirs, mine] of tags) text = text.replaceAll(`tag=${theirs}`, `tag=${mine}`);
      const msg = parseMessage(text);
      expect(msg).toBeInstanceOf(SipResponse);
      apply({ type: "response", response: msg as SipResponse }, now);
    }
  });
  expect(queue, "core sent more than OpenSIPS").toEqual([]);
  expect(stateName(record.state)).toBe(c.final.state);
  expect(record.expires).toBe(c.final.expires);
  if (c.final.enabled !== undefined) expect(record.enabled).toBe(c.final.enabled);
  return { record, sent };
}

describe("wire captures of OpenSIPS 3.6.8, replayed through core", () => {
  it("a_401_refresh: 401 → authenticated REGISTER → 200; refresh keeps Call-ID, CSeq 3, asks for W=60", () => {
    const { record, sent } = replay({
      name: "a_401_refresh",
      row: {},
      port: 15100,
      final: { state: "REGISTERED_STATE", expires: 120 },
    });
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 2, 3, 4]);
    expect(new Set(sent.map((s) => s.request.callId)).size).toBe(1);
    expect(record.state).toBe(3);
    expect(record.expires).toBe(120);
    // refresh RT = t_reply + floor(E·P/100) − T = 115 + 120 − 10
    expect(record.registrationTimeout).toBe(225);
  });

  it("b_407: Proxy-Authorization with the challenge's realm", () => {
    const { record } = replay({
      name: "b_407",
      row: {},
      port: 15110,
      final: { state: "REGISTERED_STATE", expires: 60 },
    });
    expect(record.state).toBe(3);
  });

  it("c_423: immediate REGISTER with expires=600, same Call-ID, CSeq 2", () => {
    const { record, sent } = replay({
      name: "c_423",
      row: { username: null, password: null },
      port: 15120,
      final: { state: "REGISTERED_STATE", expires: 600 },
    });
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 2]);
    expect(record.expires).toBe(600);
    expect(record.registrationTimeout).toBe(5 + 600 - 10);
  });

  it("d_403: REGISTRAR_ERROR, retry after E − T with a new Call-ID and CSeq 1", () => {
    const { record, sent } = replay({
      name: "d_403",
      row: {},
      port: 15130,
      final: { state: "REGISTRAR_ERROR_STATE", expires: 60 },
    });
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 1]);
    expect(sent[0]?.request.callId).not.toBe(sent[1]?.request.callId);
    expect(record.state).toBe(7);
    expect(record.registrationTimeout).toBe(55 + 60 - 10);
  });

  it("e_timeout: REGISTER_TIMEOUT at the transaction timeout, retry 50 s later with a new Call-ID", () => {
    const { record, sent } = replay({
      name: "e_timeout",
      row: {},
      port: 15140,
      triggers: {
        // Timer F of the transport (fr_timeout 30 s) fires; RT = 35 + 60 − 10 = 85.
        10: [{ at: 35, event: (r) => ({ type: "timeout", request: { callId: r.callId, cseq: r.cseq } }) }],
      },
      final: { state: "REGISTERING_STATE", expires: 60 },
    });
    expect(sent).toHaveLength(2);
    expect(sent[0]?.request.callId).not.toBe(sent[1]?.request.callId);
    expect(sent[1]?.request.cseq).toBe(1);
    expect(record.state).toBe(1);
  });

  it("e2_timeout_fr5_retry20: with F = 20, retries at timeout + 20 − T, each with a new Call-ID", () => {
    const timeout = (r: RegistrantRecord): RegistrantEvent => ({
      type: "timeout",
      request: { callId: r.callId, cseq: r.cseq },
    });
    const { record, sent } = replay({
      name: "e2_timeout_fr5_retry20",
      row: {},
      port: 15150,
      params: { failureRetryInterval: 20 },
      // fr_timeout 5 s: timeouts at 10 and 30; RT = 10 + 20 − 10 = 20, then 40; visits at 25 and 45 send.
      triggers: { 4: [{ at: 10, event: timeout }], 8: [{ at: 30, event: timeout }] },
      final: { state: "REGISTERING_STATE", expires: 60 },
    });
    expect(new Set(sent.map((s) => s.request.callId)).size).toBe(3);
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 1, 1]);
    expect(record.lastRegisterSent).toBe(45);
  });

  it("f_force_single: two bindings → wildcard unREGISTER; after its 200 a new Call-ID REGISTER", () => {
    const { record, sent } = replay({
      name: "f_force_single",
      row: { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"' },
      port: 15160,
      // decisions (README): the authenticated retry of the wildcard unREGISTER stays a wildcard (quirk 15 differs).
      patch: {
        6: (lines) => lines.flatMap((l) => (l.startsWith("Contact:") ? ["Contact: *", "Expires: 0"] : [l])),
      },
      final: { state: "REGISTERED_STATE", expires: 60 },
    });
    expect(sent.map((s) => s.kind)).toEqual([
      "REGISTER",
      "REGISTER+auth",
      "wildcard unREGISTER",
      "unREGISTER+auth",
      "REGISTER",
      "REGISTER+auth",
    ]);
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 2, 3, 4, 1, 2]);
    expect(record.state).toBe(3);
  });

  it("g_disable: reg_disable → unREGISTER at once (CSeq 3, expires=0); reg_enable → new Call-ID REGISTER", () => {
    const { record, sent } = replay({
      name: "g_disable",
      row: {},
      port: 15170,
      triggers: { 4: [{ at: 9, event: { type: "disable" } }], 8: [{ at: 13, event: { type: "enable" } }] },
      final: { state: "REGISTERED_STATE", expires: 60 },
    });
    expect(sent.map((s) => s.request.cseq)).toEqual([1, 2, 3, 4, 1, 2]);
    expect(sent[3]?.request.callId).toBe(sent[0]?.request.callId);
    expect(sent[4]?.request.callId).not.toBe(sent[0]?.request.callId);
    expect(record.state).toBe(3);
    expect(record.enabled).toBe(true);
  });

  it("h_thirdparty_proxy: From = third party, To = AOR, next hop = proxy, no Route, digest uri = registrar", () => {
    const { record, sent } = replay({
      name: "h_thirdparty_proxy",
      row: {
        registrar: "sip:reg.test",
        proxy: "sip:127.0.0.1:15182",
        third_party_registrant: "sip:bob@thirdparty.test",
        username: "bob",
        password: "bobsecret",
      },
      password: "bobsecret",
      port: 15180,
      nextHop: "sip:127.0.0.1:15182",
      final: { state: "REGISTERED_STATE", expires: 60 },
    });
    expect(sent[0]?.request.headers).not.toContain("Route:");
    expect(record.state).toBe(3);
  });

  it("i1_expires_hdr: Contact without expires param → the Expires header (90)", () => {
    const { record } = replay({
      name: "i1_expires_hdr",
      row: { username: null, password: null },
      port: 15190,
      final: { state: "REGISTERED_STATE", expires: 90 },
    });
    expect(record.expires).toBe(90);
    expect(record.registrationTimeout).toBe(5 + 90 - 10);
  });

  it("i2_expires_only: 200 without Contact → INTERNAL_ERROR, retry after E − T with a new Call-ID", () => {
    const { record, sent } = replay({
      name: "i2_expires_only",
      row: { username: null, password: null, expiry: 30 },
      port: 15200,
      final: { state: "INTERNAL_ERROR_STATE", expires: 30 },
    });
    expect(sent[0]?.request.callId).not.toBe(sent[1]?.request.callId);
    expect(record.state).toBe(5);
    expect(record.expires).toBe(30);
    expect(record.registrationTimeout).toBe(25 + 30 - 10);
  });
});
