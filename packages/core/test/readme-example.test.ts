// The README's example, run as a test (keep the two in sync).
import { randomBytes } from "node:crypto";
import {
  type CoreContext,
  DEFAULT_CORE_PARAMS,
  parseRegistrantRow,
  createRecord,
  type RegistrantRecord,
  step,
  stateName,
} from "@uacreg/core";
import { parseMessage, type SipResponse } from "@uacreg/sip";
import { expect, it } from "vitest";

it("drives one record through 401 → 200 with a fake clock", () => {
  // example:start
  const ctx: CoreContext = { params: { ...DEFAULT_CORE_PARAMS, timerInterval: 10 }, random: (n) => randomBytes(n) };
  const config = parseRegistrantRow(
    {
      registrar: "sip:127.0.0.1:5070",
      proxy: null,
      aor: "sip:alice@reg.test",
      third_party_registrant: null,
      username: "alice",
      password: "secret",
      binding_URI: "sip:alice@127.0.0.1:5060",
      binding_params: null,
      expiry: 60,
      forced_socket: null,
      cluster_shtag: null,
      state: 0,
    },
    { timerInterval: 10, defaultExpires: 3600, userAgent: "uacreg/0.1.0" },
  );
  let record: RegistrantRecord = createRecord(config, ctx.random);
  let now = 1_700_000_000; // the fake clock (unix seconds)

  // The scheduler visits the record: REGISTER goes out (the transport adds Via and sends it).
  let s = step(record, { type: "visit" }, now, ctx);
  record = s.record;
  const first = s.actions.find((a) => a.type === "send");
  console.log(`REGISTER ${first?.request.requestUri} SIP/2.0\r\n${first?.request.headers}`);

  // The registrar challenges; core answers with credentials, same Call-ID, CSeq 2.
  const reply = (status: string, extra: string) =>
    parseMessage(
      `SIP/2.0 ${status}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n` +
        `From: <sip:alice@reg.test>;tag=${record.fromTag}\r\nTo: <sip:alice@reg.test>;tag=r1\r\n` +
        `Call-ID: ${record.callId}\r\nCSeq: ${record.cseq} REGISTER\r\n${extra}Content-Length: 0\r\n\r\n`,
    ) as SipResponse;
  s = step(
    record,
    {
      type: "response",
      response: reply("401 Unauthorized", 'WWW-Authenticate: Digest realm="reg.test", nonce="abc", qop="auth"\r\n'),
    },
    now,
    ctx,
  );
  record = s.record;
  console.log(stateName(record.state)); // AUTHENTICATING_STATE

  // 200 OK grants 120 s: REGISTERED, RT = now + 120 − T.
  s = step(
    record,
    { type: "response", response: reply("200 OK", "Contact: <sip:alice@127.0.0.1:5060>;expires=120\r\n") },
    now,
    ctx,
  );
  record = s.record;
  console.log(stateName(record.state), record.expires, record.registrationTimeout - now); // REGISTERED_STATE 120 110

  // Visits before now + T ≥ RT send nothing; the first one after refreshes on the same Call-ID.
  now += 100;
  s = step(record, { type: "visit" }, now, ctx);
  console.log(s.actions.map((a) => a.type)); // [ 'send', 'state-change' ]
  // example:end
  expect(stateName(s.record.state)).toBe("REGISTERING_STATE");
  expect(first?.request.cseq).toBe(1);
  expect(s.record.cseq).toBe(3); // REGISTER 1, auth 2, refresh 3 (with preemptive credentials)
  expect(s.record.pending?.authenticated).toBe(true);
});
