import { echoedContactExpires } from "../contact-echo.js";
import { parseContacts } from "../contact.js";
import { cseqIs } from "../cseq-match.js";
import { parseCSeq } from "../cseq.js";
import type { SipRequest, SipResponse } from "../sip-message.js";
import { parseUri } from "../sip-uri.js";
import { readTopVia, scanPlainVia, sentByOf, type TopViaFields } from "../top-via-fields.js";
import { parseVia } from "../via.js";

/**
 * The differential oracle of the fast paths: each check returns a description of the first disagreement between a
 * fast path and the full parser next to it, or undefined when they agree. Used by the property, fuzz and RFC 4475
 * tests (no test framework here, so any of them can call it).
 */

function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

function fieldsOfFullParse(value: string): TopViaFields | undefined {
  const r = attempt(() => parseVia(value)[0]!);
  if (!r.ok) return undefined;
  const top = r.value;
  return {
    branch: top.branch,
    received: top.received,
    rport: typeof top.rport === "number" ? top.rport : undefined,
    sentBy: sentByOf(top.host, top.port),
  };
}

function sameFields(a: TopViaFields, b: TopViaFields): boolean {
  return a.branch === b.branch && a.received === b.received && a.rport === b.rport && a.sentBy === b.sentBy;
}

/** `scanPlainVia` decides only values `parseVia` accepts, with the same fields; `readTopVia` is `parseVia` exactly. */
export function topViaDisagreement(value: string): string | undefined {
  const full = fieldsOfFullParse(value);
  const fast: TopViaFields = { branch: "unset", received: "unset", rport: -1 };
  if (scanPlainVia(value, fast)) {
    if (full === undefined) return `scanPlainVia decided ${JSON.stringify(value)}, which parseVia rejects`;
    if (!sameFields(fast, full)) return `scanPlainVia read ${JSON.stringify(fast)} from ${JSON.stringify(value)}`;
  }
  const read: TopViaFields = { branch: "unset", received: "unset", rport: -1 };
  const r = attempt(() => readTopVia(value, read));
  if (r.ok !== (full !== undefined)) return `readTopVia and parseVia disagree on accepting ${JSON.stringify(value)}`;
  if (full !== undefined && !sameFields(read, full)) return `readTopVia read ${JSON.stringify(read)}`;
  return undefined;
}

/** `cseqIs` answers what `parseCSeq` says (and throws when it throws), for `method` a token. */
export function cseqDisagreement(value: string, seq: number, method: string): string | undefined {
  const full = attempt(() => parseCSeq(value));
  const fast = attempt(() => cseqIs(value, seq, method));
  if (!full.ok) return fast.ok ? `cseqIs decided ${JSON.stringify(value)}, which parseCSeq rejects` : undefined;
  if (!fast.ok) return `cseqIs threw on ${JSON.stringify(value)}, which parseCSeq accepts`;
  const expected = full.value.seq === seq && full.value.method === method;
  return fast.value === expected ? undefined : `cseqIs(${JSON.stringify(value)}, ${seq}, ${method}) is ${fast.value}`;
}

/**
 * For a `binding` that parses as a URI: when `echoedContactExpires` decides, `parseContacts` finds one contact, whose
 * URI text is the binding, with that `expires` value.
 */
export function contactEchoDisagreement(value: string, binding: string): string | undefined {
  if (!attempt(() => parseUri(binding)).ok) return undefined;
  const digits = echoedContactExpires(value, binding);
  if (digits === undefined) return undefined;
  const full = attempt(() => parseContacts([value]));
  if (!full.ok) return `echoedContactExpires decided ${JSON.stringify(value)}, which parseContacts rejects`;
  const { wildcard, contacts } = full.value;
  if (wildcard || contacts.length !== 1) return `${JSON.stringify(value)} is not one contact`;
  const c = contacts[0]!;
  if (c.uri !== binding) return `parseContacts read the URI ${JSON.stringify(c.uri)} of ${JSON.stringify(value)}`;
  if (c.params.get("expires") !== digits || c.params.size !== 1) {
    return `parseContacts read other parameters from ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** Every fast path on every Via, CSeq and Contact value of `msg`. */
export function messageDisagreement(msg: SipRequest | SipResponse): string | undefined {
  for (const v of msg.getHeaders("via")) {
    const d = topViaDisagreement(v);
    if (d !== undefined) return d;
  }
  for (const v of msg.getHeaders("cseq")) {
    const parsed = attempt(() => parseCSeq(v));
    const [seq, method] = parsed.ok ? [parsed.value.seq, parsed.value.method] : [1, "REGISTER"];
    for (const [s, m] of [
      [seq, method],
      [seq + 1, method],
      [seq, "REGISTER"],
    ] as const) {
      const d = cseqDisagreement(v, s, m);
      if (d !== undefined) return d;
    }
  }
  for (const v of msg.getHeaders("contact")) {
    const bindings: string[] = [];
    const close = v.indexOf(">");
    if (v.startsWith("<") && close > 0) bindings.push(v.slice(1, close));
    const parsed = attempt(() => parseContacts([v]));
    if (parsed.ok) for (const c of parsed.value.contacts) bindings.push(c.uri);
    for (const b of bindings) {
      const d = contactEchoDisagreement(v, b);
      if (d !== undefined) return d;
    }
  }
  return undefined;
}
