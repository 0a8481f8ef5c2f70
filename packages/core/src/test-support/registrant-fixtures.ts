import { parseMessage, SipResponse } from "@uacreg/sip";
import type { CoreContext, CoreParams, RandomBytes } from "../core-params.js";
import { parseRegistrantRow } from "../registrant-config.js";
import type { RegistrantAction, SendAction, Step } from "../registrant-action.js";
import { createRecord, type RegistrantRecord } from "../registrant-record.js";
import type { RegistrantRow } from "../registrant-row.js";

/** Deterministic random bytes (mulberry32), so every test run sends the same Call-IDs and cnonces. */
export function seededRandom(seed = 1): RandomBytes {
  let a = seed >>> 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return out;
  };
}

/** The captures' module parameters: timer_interval 10, no failure_retry_interval, P 100; preemptive auth off. */
export const CAPTURE_PARAMS: CoreParams = {
  timerInterval: 10,
  failureRetryInterval: 0,
  reregisterExpiryPercentage: 100,
  defaultExpires: 3600,
  preemptiveAuth: false,
};

export function context(params: Partial<CoreParams> = {}, seed = 1): CoreContext {
  return { params: { ...CAPTURE_PARAMS, ...params }, random: seededRandom(seed) };
}

/** The captures' default row (README "Common setup"), registrar on port `port + 1`, binding on `port`. */
export function captureRow(overrides: Partial<RegistrantRow> = {}, port = 15100): RegistrantRow {
  return {
    registrar: `sip:127.0.0.1:${port + 1}`,
    proxy: null,
    aor: "sip:alice@reg.test",
    third_party_registrant: null,
    username: "alice",
    password: "secret",
    binding_URI: `sip:alice@127.0.0.1:${port}`,
    binding_params: null,
    expiry: 60,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
    ...overrides,
  };
}

export function newRecord(overrides: Partial<RegistrantRow> = {}, ctx: CoreContext = context()): RegistrantRecord {
  const config = parseRegistrantRow(captureRow(overrides), {
    timerInterval: ctx.params.timerInterval,
    defaultExpires: ctx.params.defaultExpires,
    userAgent: "uacreg/test",
  });
  return createRecord(config, ctx.random);
}

/** The send actions of a step. */
export function sends(step: Step<RegistrantRecord>): SendAction[] {
  return step.actions.filter((a): a is SendAction => a.type === "send");
}

/** The only send of a step (fails the test if there is not exactly one). */
export function onlySend(step: Step<RegistrantRecord>): SendAction {
  const s = sends(step);
  if (s.length !== 1) throw new Error(`expected one send, got ${s.length}`);
  return s[0] as SendAction;
}

/** A header value of a request's header block. */
export function headerOf(send: SendAction, name: string): string | undefined {
  for (const line of send.request.headers.split("\r\n")) {
    const c = line.indexOf(":");
    if (c > 0 && line.slice(0, c).toLowerCase() === name.toLowerCase()) return line.slice(c + 1).trim();
  }
  return undefined;
}

/**
 * A reply to the record's request in flight, built as wire text and parsed with @uacreg/sip (as the transport
 * would hand it over). `headers` are extra lines such as `Contact: <…>;expires=120`.
 */
export function replyTo(record: RegistrantRecord, status: number, reason: string, headers: string[] = []): SipResponse {
  const p = record.pending;
  if (p === undefined) throw new Error("no request in flight");
  const text =
    `SIP/2.0 ${status} ${reason}\r\n` +
    "Via: SIP/2.0/UDP 127.0.0.1:15100;branch=z9hG4bK1\r\n" +
    `From: <${record.config.aor}>;tag=${record.fromTag}\r\n` +
    `To: <${record.config.aor}>;tag=reg-1\r\n` +
    `Call-ID: ${p.callId}\r\n` +
    `CSeq: ${p.cseq} REGISTER\r\n` +
    headers.map((h) => `${h}\r\n`).join("") +
    "Content-Length: 0\r\n\r\n";
  const msg = parseMessage(text);
  if (!(msg instanceof SipResponse)) throw new Error("not a response");
  return msg;
}

export const CHALLENGE_401 =
  'WWW-Authenticate: Digest realm="reg.test", nonce="a1nonce0000000000000000000000001", opaque="opaque-a-123", qop="auth", algorithm=MD5';

export function stateChanges(step: Step<RegistrantRecord>): Array<{ from: string; to: string }> {
  return step.actions
    .filter((a): a is Extract<RegistrantAction, { type: "state-change" }> => a.type === "state-change")
    .map((a) => ({ from: a.from, to: a.to }));
}
