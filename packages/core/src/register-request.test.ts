import { computeCredentials, formatAuthorization, selectChallenge } from "@uacreg/digest";
import { describe, expect, it } from "vitest";
import { DigestAnswer } from "./digest-answer.js";
import { newDialogIds } from "./dialog-ids.js";
import {
  buildRequest,
  buildRequestFrom,
  buildRequestTemplate,
  type RequestCredentials,
  type RequestParts,
} from "./register-request.js";
import { step } from "./registrant-machine.js";
import type { RegistrantRecord } from "./registrant-record.js";
import { stateName } from "./registrant-state.js";
import { ok, reach, response } from "./test-support/registrant-driver.js";
import { CHALLENGE_401, context, newRecord, onlySend, seededRandom } from "./test-support/registrant-fixtures.js";

const TEMPLATE = buildRequestTemplate({
  registrar: "sip:reg.test",
  proxy: "sip:127.0.0.1:15182",
  aor: "sip:alice@reg.test",
  thirdParty: "sip:bob@thirdparty.test",
  binding: "sip:alice@127.0.0.1:15180",
  bindingParams: ';reg-id=1;+sip.instance="<urn:uuid:1>"',
  forcedSocket: "udp:127.0.0.1:15180",
  userAgent: "uacreg/1.2.3",
});

describe("REGISTER / unREGISTER shape (docs/opensips-behaviour.md §4.1, §4.4)", () => {
  it("REGISTER: To, From, CSeq, Call-ID, Max-Forwards, Content-Length, User-Agent, Contact with ;expires=W", () => {
    const r = buildRequest(TEMPLATE, {
      form: "register",
      callId: "c".repeat(27),
      fromTag: "abcde",
      cseq: 7,
      expires: 3600,
    });
    expect(r.headers).toBe(
      "To: <sip:alice@reg.test>\r\n" +
        "From: <sip:bob@thirdparty.test>;tag=abcde\r\n" +
        "CSeq: 7 REGISTER\r\n" +
        `Call-ID: ${"c".repeat(27)}\r\n` +
        "Max-Forwards: 70\r\n" +
        "Content-Length: 0\r\n" +
        "User-Agent: uacreg/1.2.3\r\n" +
        'Contact: <sip:alice@127.0.0.1:15180>;reg-id=1;+sip.instance="<urn:uuid:1>";expires=3600\r\n',
    );
    expect(r).toMatchObject({
      method: "REGISTER",
      requestUri: "sip:reg.test",
      callId: "c".repeat(27),
      cseq: 7,
      nextHop: "sip:127.0.0.1:15182",
      socket: "udp:127.0.0.1:15180",
    });
    expect(r.headers).not.toMatch(/^(Route|Expires|Via):/m);
  });

  it("unREGISTER: the binding with ;expires=0 and no Expires header", () => {
    const r = buildRequest(TEMPLATE, { form: "unregister", callId: "x", fromTag: "t", cseq: 2, expires: 3600 });
    expect(r.headers).toContain(
      'Contact: <sip:alice@127.0.0.1:15180>;reg-id=1;+sip.instance="<urn:uuid:1>";expires=0\r\n',
    );
    expect(r.headers).not.toContain("Expires:");
  });

  it("wildcard unREGISTER: Contact: * then Expires: 0, then the credentials", () => {
    const r = buildRequest(TEMPLATE, {
      form: "wildcard",
      callId: "x",
      fromTag: "t",
      cseq: 3,
      expires: 3600,
      credentials: { header: "Proxy-Authorization", value: 'Digest username="u"' },
    });
    expect(
      r.headers.endsWith(
        'User-Agent: uacreg/1.2.3\r\nContact: *\r\nExpires: 0\r\nProxy-Authorization: Digest username="u"\r\n',
      ),
    ).toBe(true);
  });

  it("without a proxy the next hop is the registrar, and a pinned destination is passed on", () => {
    const t = buildRequestTemplate({
      registrar: "sip:reg.test",
      aor: "sip:a@reg.test",
      binding: "sip:a@1.2.3.4",
      userAgent: "x",
    });
    const pin = { family: "IPv6" as const, address: "::1", port: 5060 };
    const r = buildRequest(t, { form: "register", callId: "c", fromTag: "t", cseq: 1, expires: 60, destination: pin });
    expect(r.nextHop).toBe("sip:reg.test");
    expect(r.destination).toEqual(pin);
    expect(r.socket).toBeUndefined();
  });
});

describe("Call-ID, From-tag and CSeq (docs/opensips-behaviour.md §4.2)", () => {
  it("Call-ID is 27 lowercase hex characters and the From-tag 5, from the caller's random bytes", () => {
    const ids = newDialogIds(seededRandom(42));
    expect(ids.callId).toMatch(/^[0-9a-f]{27}$/);
    expect(ids.fromTag).toMatch(/^[0-9a-f]{5}$/);
    expect(newDialogIds(seededRandom(42))).toEqual(ids);
    expect(newDialogIds(seededRandom(43))).not.toEqual(ids);
  });

  it("last_register_sent counts REGISTERs only: an unREGISTER leaves it (capture g_disable)", () => {
    const ctx = context();
    const r = reach(3, ctx); // REGISTER sent at T0 = 100
    const unregistering = step(r, { type: "disable" }, 109, ctx).record;
    expect(unregistering.lastRegisterSent).toBe(100);
    const done = step(unregistering, response(unregistering, 200, "OK"), 109, ctx).record;
    expect(step(done, { type: "enable" }, 113, ctx).record.lastRegisterSent).toBe(113);
  });

  it("the first CSeq is 1", () => {
    const ctx = context();
    expect(onlySend(step(newRecord({}, ctx), { type: "visit" }, 100, ctx)).request.cseq).toBe(1);
  });

  it("keeps the Call-ID with CSeq + 1 across auth, refresh and 423; a new one (CSeq 1) after a failure", () => {
    const ctx = context();
    let r = newRecord({}, ctx);
    const seen: Array<[string, number]> = [];
    const act = (s: ReturnType<typeof step>) => {
      r = s.record;
      for (const a of s.actions) if (a.type === "send") seen.push([a.request.callId, a.request.cseq]);
    };
    act(step(r, { type: "visit" }, 100, ctx)); // 1
    act(step(r, response(r, 401, "Unauthorized", [CHALLENGE_401]), 100, ctx)); // 2 auth
    act(step(r, ok(r), 100, ctx));
    act(step(r, { type: "visit" }, 140, ctx)); // 3 refresh
    act(step(r, response(r, 423, "Interval Too Brief", ["Min-Expires: 120"]), 140, ctx)); // 4 re-send
    act(step(r, response(r, 401, "Unauthorized", [CHALLENGE_401]), 140, ctx)); // 5 auth
    act(step(r, response(r, 403, "Forbidden"), 140, ctx)); // failure
    act(step(r, { type: "visit" }, 1000, ctx)); // new Call-ID, CSeq 1
    const first = seen[0]?.[0];
    expect(seen.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((n) => [first, n]));
    expect(seen[5]?.[0]).not.toBe(first);
    expect(seen[5]?.[1]).toBe(1);
  });

  it("a 423 re-send asks for W = Min-Expires, without credentials, and keeps it for later refreshes", () => {
    const ctx = context({ preemptiveAuth: false });
    const r = reach(2, ctx);
    const s = step(r, response(r, 423, "Interval Too Brief", ["Min-Expires: 600"]), 100, ctx);
    const resend = onlySend(s);
    expect(resend.request.headers).toContain(";expires=600\r\n");
    expect(resend.request.headers).not.toContain("Authorization");
    const registered = step(s.record, ok(s.record, 600), 100, ctx).record;
    expect(onlySend(step(registered, { type: "visit" }, 700, ctx)).request.headers).toContain(";expires=600\r\n");
  });

  it("a registrar answering 423 again to the Min-Expires it asked for does not loop", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const s1 = step(r, response(r, 423, "Interval Too Brief", ["Min-Expires: 600"]), 100, ctx);
    const s2 = step(s1.record, response(s1.record, 423, "Interval Too Brief", ["Min-Expires: 600"]), 100, ctx);
    expect(s2.record.state).toBe(7);
  });

  it("407 is answered with Proxy-Authorization, 401 with Authorization", () => {
    const ctx = context();
    const r = reach(1, ctx);
    const s = step(
      r,
      response(r, 407, "Proxy Authentication Required", [CHALLENGE_401.replace("WWW-", "Proxy-")]),
      100,
      ctx,
    );
    expect(onlySend(s).request.headers).toMatch(/\r\nProxy-Authorization: Digest username="alice", realm="reg.test"/);
  });

  it("FORCE_SINGLE cleans up once: bindings that survive the wildcard are accepted until the next refresh", () => {
    const ctx = context();
    const two = (r: RegistrantRecord) =>
      response(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=60, <sip:x@192.0.2.9>;expires=300`]);
    let r = reach(1, ctx, { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"', username: null });
    r = step(r, two(r), 100, ctx).record; // → wildcard unREGISTER
    expect(r.pending?.form).toBe("wildcard");
    r = step(r, response(r, 200, "OK"), 100, ctx).record; // → REGISTER, new Call-ID
    expect(r.state).toBe(1);
    const s = step(r, two(r), 100, ctx); // the other binding is still there: no second cleanup at once
    expect(stateName(s.record.state)).toBe("REGISTERED_STATE");
    expect(s.actions.some((a) => a.type === "log" && a.level === "warn")).toBe(true);
    // the next refresh cleans up again (at most one cleanup per refresh period)
    const refresh = step(s.record, { type: "visit" }, 150, ctx).record;
    expect(onlySend(step(refresh, two(refresh), 150, ctx)).kind).toBe("wildcard unREGISTER");
  });

  it("the authenticated retry of the wildcard unREGISTER stays a wildcard", () => {
    const ctx = context();
    const r = reach(2, ctx, { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"' });
    const wild = step(
      r,
      response(r, 200, "OK", [`Contact: <${r.config.binding}>;expires=60, <sip:x@192.0.2.9>;expires=9`]),
      100,
      ctx,
    );
    expect(onlySend(wild).request.headers).toContain("Contact: *\r\nExpires: 0\r\n");
    const authed = step(wild.record, response(wild.record, 401, "Unauthorized", [CHALLENGE_401]), 100, ctx);
    expect(onlySend(authed).request.headers).toMatch(/Contact: \*\r\nExpires: 0\r\nAuthorization: Digest /);
    const done = step(authed.record, response(authed.record, 200, "OK"), 100, ctx);
    const fresh = onlySend(done);
    expect(fresh.kind).toBe("REGISTER");
    expect(fresh.request.callId).not.toBe(r.callId);
    expect(fresh.request.cseq).toBe(1);
  });
});

describe("buildRequestFrom (the daemon's path): the same bytes as buildRequest", () => {
  it("for every form, with and without binding params, with no, plain, digest and two realms' credentials", () => {
    const challenge = selectChallenge(['Digest realm="r", nonce="n", qop="auth", opaque="o"']);
    const answer = (header: RequestCredentials["header"], uri: string): DigestAnswer => {
      const input = { challenge, username: "u", password: "p", method: "REGISTER", uri, nc: 2, cnonce: "c" };
      const a = new DigestAnswer(header, input);
      // The answer's own fields are the credentials digest computes on its own.
      expect(a.value).toBe(formatAuthorization(computeCredentials(input)));
      return a;
    };
    let compared = 0;
    for (const bindingParams of [undefined, ";reg-id=1"]) {
      const source = {
        registrar: "sip:reg.test",
        aor: "sip:alice@reg.test",
        binding: "sip:alice@127.0.0.1:15180",
        bindingParams,
      };
      const template = buildRequestTemplate({ ...source, userAgent: "uacreg/1.2.3" });
      const credentialSets: RequestParts["credentials"][] = [
        undefined,
        { header: "Authorization", value: 'Digest username="x"' },
        answer("Authorization", source.registrar),
        answer("Proxy-Authorization", source.registrar),
        [answer("Proxy-Authorization", source.registrar), answer("Authorization", source.registrar)],
        [{ header: "Proxy-Authorization", value: "Basic x" }, answer("Authorization", source.registrar)],
      ];
      for (const form of ["register", "unregister", "wildcard"] as const) {
        for (const credentials of credentialSets) {
          const parts: RequestParts = { form, callId: "x", fromTag: "t", cseq: 4, expires: 600, credentials };
          const daemon = buildRequestFrom(source, template.constant, parts);
          expect(daemon.headers).toBe(buildRequest(template, parts).headers);
          expect(daemon.headers.endsWith("\r\n")).toBe(true);
          expect(daemon.headers).not.toContain("\r\n\r\n");
          compared++;
        }
      }
    }
    expect(compared).toBe(36);
  });
});
