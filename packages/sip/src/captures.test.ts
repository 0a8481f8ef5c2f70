import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  callId,
  cseq,
  headerParam,
  isSipUri,
  parseContacts,
  parseDeltaSeconds,
  parseMessage,
  parseUri,
  serializeMessage,
  type SipRequest,
  SipResponse,
  tag,
  topVia,
  uriEquals,
} from "./index.js";
import { messageDisagreement } from "./test-support/fast-path-oracle.js";

/** Golden OpenSIPS 3.6.8 captures of the repository (docs/captures/). */
const dir = join(import.meta.dirname, "../../../docs/captures");

interface Datagram {
  readonly payload: string;
}

interface TimelineRow {
  readonly startLine: string;
  readonly cseq: string;
  readonly callIdPrefix: string;
  readonly branchSuffix: string;
  readonly extras: readonly string[];
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".jsonl"))
  .map((f) => f.slice(0, -".jsonl".length));

function datagrams(name: string): Uint8Array[] {
  return readFileSync(join(dir, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => new Uint8Array(Buffer.from((JSON.parse(l) as Datagram).payload, "latin1")));
}

/** The "Timeline" rows of the transcript: `+ t src -> dst <start line> | CSeq … | Call-ID …. | branch … | extras`. */
function timeline(name: string): TimelineRow[] {
  return readFileSync(join(dir, `${name}.txt`), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("+") && l.includes(" | CSeq "))
    .map((l) => {
      const cols = l.split(" | ");
      const first = cols[0]!;
      const start = first.search(/(REGISTER|SIP\/2\.0)/);
      return {
        startLine: first.slice(start).trim(),
        cseq: cols[1]!.replace(/^CSeq /, "").trim(),
        callIdPrefix: cols[2]!.replace(/^Call-ID /, "").replace(/\.\.\s*$/, ""),
        branchSuffix: cols[3]!.replace(/^branch /, "").trim(),
        extras: cols
          .slice(4)
          .map((c) => c.trim())
          .filter((c) => c !== ""),
      };
    });
}

describe("OpenSIPS 3.6.8 captures", () => {
  it("has the eleven cases", () => {
    expect(cases).toHaveLength(11);
  });

  for (const name of cases) {
    describe(name, () => {
      const packets = datagrams(name);
      const rows = timeline(name);

      it("the fast paths (top Via fields, CSeq match, echoed Contact expiry) agree with the full parsers", () => {
        for (const bytes of packets) expect(messageDisagreement(parseMessage(bytes))).toBeUndefined();
      });

      it("every datagram parses and its accessors return what the transcript shows", () => {
        expect(packets.length).toBe(rows.length);
        packets.forEach((bytes, i) => {
          const msg = parseMessage(bytes);
          const row = rows[i]!;
          const startLine =
            msg instanceof SipResponse
              ? `${msg.version} ${msg.status} ${msg.reason}`
              : `${(msg as SipRequest).method} ${(msg as SipRequest).uri} ${msg.version}`;
          expect(startLine).toBe(row.startLine);
          const cs = cseq(msg)!;
          expect(`${cs.seq} ${cs.method}`).toBe(row.cseq);
          expect(callId(msg)!.startsWith(row.callIdPrefix)).toBe(true);
          const via = topVia(msg)!;
          expect(via.branch!.endsWith(row.branchSuffix)).toBe(true);
          expect(via.branch!.startsWith("z9hG4bK")).toBe(true);
          expect([via.protocol, via.host, via.rport]).toEqual(["SIP/2.0/UDP", "127.0.0.1", undefined]);
          for (const extra of row.extras) {
            const colon = extra.indexOf(": ");
            const header = extra.slice(0, colon);
            const shown = extra.slice(colon + 2);
            const value = msg.getHeader(header);
            if (shown.endsWith("...")) expect(value!.startsWith(shown.slice(0, -3))).toBe(true);
            else expect(value).toBe(shown);
          }
          expect(msg.body).toHaveLength(0);
        });
      });

      it("serializes every datagram back to the same bytes", () => {
        for (const bytes of packets) expect(serializeMessage(parseMessage(bytes))).toEqual(bytes);
      });
    });
  }

  it("a_401_refresh: the challenge is returned raw, the To-tag and the granted expiry are read", () => {
    const [, challenge, , ok] = datagrams("a_401_refresh").map((b) => parseMessage(b));
    expect((challenge as SipResponse).status).toBe(401);
    expect(challenge!.getHeader("www-authenticate")).toMatch(/^Digest realm="reg\.test", nonce="[^"]+", opaque=/);
    expect(tag(ok!.getHeader("to"))).toBeDefined();
    const contact = parseContacts(ok!.getHeaders("contact")).contacts[0]!;
    expect(parseDeltaSeconds(headerParam(contact.params, "expires") as string)).toBe(120);
    expect(uriEquals(contact.uri, "sip:alice@127.0.0.1:15100")).toBe(true);
  });

  it("b_407: Proxy-Authenticate is returned raw", () => {
    const challenge = parseMessage(datagrams("b_407")[1]!);
    expect(challenge.getHeader("Proxy-Authenticate")).toMatch(/^Digest realm="proxy\.test", nonce="/);
  });

  it("c_423: Min-Expires is read", () => {
    expect(parseDeltaSeconds(parseMessage(datagrams("c_423")[1]!).getHeader("min-expires")!)).toBe(600);
  });

  it("f_force_single: two contacts in one header, the reg-id/+sip.instance parameters, and the wildcard", () => {
    const packets = datagrams("f_force_single").map((b) => parseMessage(b));
    const register = packets[0] as SipRequest;
    const ours = parseContacts(register.getHeaders("contact")).contacts[0]!;
    expect(ours.params.get("reg-id")).toBe("1");
    expect(ours.params.get("+sip.instance")).toBe('"<urn:uuid:00000000-0000-1000-8000-00000000000f>"');
    const ok = parseContacts(packets[3]!.getHeaders("contact"));
    expect(ok.wildcard).toBe(false);
    expect(ok.contacts.map((c) => [c.uri, c.params.get("expires")])).toEqual([
      ["sip:alice@127.0.0.1:15160", "60"],
      ["sip:alice@192.0.2.99:5060", "300"],
    ]);
    const unregister = parseContacts(packets[4]!.getHeaders("contact"));
    expect(unregister).toEqual({ wildcard: true, contacts: [] });
    expect(packets[4]!.getHeader("expires")).toBe("0");
  });

  it("h_thirdparty_proxy: the Request-URI has no user part", () => {
    const register = parseMessage(datagrams("h_thirdparty_proxy")[0]!) as SipRequest;
    const uri = parseUri(register.uri);
    expect(isSipUri(uri) && [uri.user, uri.host, uri.port]).toEqual([undefined, "reg.test", undefined]);
    expect(tag(register.getHeader("from"))).toMatch(/^[0-9a-f]+$/);
  });
});
