import { describe, expect, it } from "vitest";
import { RecordValidationError } from "./record-validation-error.js";
import { parseRegistrantRow, sameConfig, type ValidationContext } from "./registrant-config.js";
import type { RegistrantRow } from "./registrant-row.js";
import { captureRow } from "./test-support/registrant-fixtures.js";

const CTX: ValidationContext = { timerInterval: 10, defaultExpires: 3600 };

function rejection(overrides: Partial<RegistrantRow>, ctx: ValidationContext = CTX): RecordValidationError {
  try {
    parseRegistrantRow(captureRow(overrides), ctx);
  } catch (e) {
    if (e instanceof RecordValidationError) return e;
    throw e;
  }
  throw new Error("row was accepted");
}

describe("row validation (docs/opensips-behaviour.md §2.2, docs/decisions.md)", () => {
  it("accepts the captures' default row", () => {
    const c = parseRegistrantRow(captureRow(), CTX);
    expect(c.key).toEqual({
      aor: "sip:alice@reg.test",
      contact: "sip:alice@127.0.0.1:15100",
      registrar: "sip:127.0.0.1:15101",
    });
    expect(c.enabled).toBe(true);
    expect(c.expiry).toBe(60);
    expect(c.hasCredentials).toBe(true);
    expect(c.forceSingle).toBe(false);
  });

  it("rows of one registrar each keep their own expiry, state, credentials, proxy and socket", () => {
    // The columns rows have alike are kept once for all of them: no row may see another's values.
    const rows: Partial<RegistrantRow>[] = [
      {},
      { expiry: 120 },
      { state: 1 },
      { password: null },
      { proxy: "sip:proxy.test" },
      { proxy: "sip:other-proxy.test" },
      { forced_socket: "udp:127.0.0.1:5060" },
      { binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"' },
      { third_party_registrant: "sip:carol@reg.test" },
      {},
    ];
    const configs = rows.map((o, i) => parseRegistrantRow(captureRow({ aor: `sip:user${i}@reg.test`, ...o }), CTX));
    expect(
      configs.map((c) => [c.aor, c.registrar, c.expiry, c.enabled, c.hasCredentials, c.proxy, c.forcedSocket]),
    ).toEqual([
      ["sip:user0@reg.test", "sip:127.0.0.1:15101", 60, true, true, undefined, undefined],
      ["sip:user1@reg.test", "sip:127.0.0.1:15101", 120, true, true, undefined, undefined],
      ["sip:user2@reg.test", "sip:127.0.0.1:15101", 60, false, true, undefined, undefined],
      ["sip:user3@reg.test", "sip:127.0.0.1:15101", 60, true, false, undefined, undefined],
      ["sip:user4@reg.test", "sip:127.0.0.1:15101", 60, true, true, "sip:proxy.test", undefined],
      ["sip:user5@reg.test", "sip:127.0.0.1:15101", 60, true, true, "sip:other-proxy.test", undefined],
      ["sip:user6@reg.test", "sip:127.0.0.1:15101", 60, true, true, undefined, "udp:127.0.0.1:5060"],
      ["sip:user7@reg.test", "sip:127.0.0.1:15101", 60, true, true, undefined, undefined],
      ["sip:user8@reg.test", "sip:127.0.0.1:15101", 60, true, true, undefined, undefined],
      ["sip:user9@reg.test", "sip:127.0.0.1:15101", 60, true, true, undefined, undefined],
    ]);
    expect(configs.map((c) => [c.forceSingle, c.bindingParams, c.thirdPartyRegistrant])).toEqual([
      [false, undefined, undefined],
      [false, undefined, undefined],
      [false, undefined, undefined],
      [false, undefined, undefined],
      [false, undefined, undefined],
      [false, undefined, undefined],
      [false, undefined, undefined],
      [true, ';reg-id=1;+sip.instance="<urn:uuid:1>"', undefined],
      [false, undefined, "sip:carol@reg.test"],
      [false, undefined, undefined],
    ]);
  });

  it.each([
    [{ registrar: "" }, "registrar", "NULL or empty"],
    [{ registrar: "sip:bob@reg.test" }, "registrar", "user part"],
    [{ registrar: "tel:+123" }, "registrar", "sip: or sips:"],
    [{ registrar: "sip:" }, "registrar", "does not parse"],
    [{ proxy: "sip:bob@proxy.test" }, "proxy", "user part"],
    [{ proxy: "sip:bad host" }, "proxy", "does not parse"],
    [{ aor: "not a uri" }, "aor", "does not parse"],
    [{ third_party_registrant: "::" }, "third_party_registrant", "does not parse"],
    [{ binding_URI: "sip:alice@1.2.3.4 x" }, "binding_URI", "does not parse"],
    [{ binding_params: "reg-id=1" }, "binding_params", 'start with ";"'],
    [{ binding_params: ";reg-id=1;=x" }, "binding_params", "contact params"],
    [{ expiry: 10 }, "expiry", "Please decrease timer_interval"],
    [{ expiry: 0 }, "expiry", "timer_interval"],
    [{ expiry: 1.5 }, "expiry", "whole number"],
    [{ forced_socket: "udp:127.0.0.1" }, "forced_socket", "proto:host:port"],
    [{ forced_socket: "sctp:127.0.0.1:5060" }, "forced_socket", "proto:host:port"],
    [{ cluster_shtag: "vip" }, "cluster_shtag", 'no "/"'],
    [{ cluster_shtag: "vip/one" }, "cluster_shtag", "not numeric"],
    [{ username: "al\r\nice" }, "username", "CR, LF or NUL"],
    [{ password: "pw\n" }, "password", "CR, LF or NUL"],
    // Issue 10 item 13: what MI reg_upsert and `uacreg db import` accepted because this validator did.
    [{ aor: "mailto:alice@reg.test" }, "aor", "sip: or sips:"],
    [{ aor: "http://reg.test/alice" }, "aor", "sip: or sips:"],
    [{ aor: "tel:+123" }, "aor", "sip: or sips:"],
    [{ third_party_registrant: "mailto:bob@x.test" }, "third_party_registrant", "sip: or sips:"],
    [{ registrar: "sip:reg.test:0" }, "registrar", "port 0"],
    [{ registrar: "sip:reg.test:65536" }, "registrar", "bad port"],
    [{ proxy: "sip:proxy.test:0" }, "proxy", "port 0"],
    [{ proxy: "sip:proxy.test:99999" }, "proxy", "bad port"],
    [{ binding_URI: "sip:alice@127.0.0.1:0" }, "binding_URI", "port 0"],
    [{ binding_URI: "sip:alice@127.0.0.1:70000" }, "binding_URI", "bad port"],
    [{ aor: "sip:alice@reg.test:0" }, "aor", "port 0"],
    [{ registrar: "sip:reg..test" }, "registrar", "empty label"],
    [{ registrar: "sip:-reg.test" }, "registrar", 'starting or ending with "-"'],
    [{ registrar: "sip:127.0.0.300" }, "registrar", "not an IPv4 address"],
    [{ registrar: "sip:10.1.2" }, "registrar", "not an IPv4 address"],
    [{ registrar: "sip:reg.123" }, "registrar", "neither an IPv4 address nor a name"],
    [{ registrar: "sip:[]" }, "registrar", "not an IPv6 address"],
    [{ registrar: "sip:[1::2::3]:5060" }, "registrar", "not an IPv6 address"],
    [{ registrar: `sip:${"a".repeat(64)}.test` }, "registrar", "longer than 63"],
    [{ proxy: "sip:.proxy.test" }, "proxy", "empty label"],
    [{ aor: "sip:alice@reg_.-test" }, "aor", 'starting or ending with "-"'],
    [{ binding_URI: "sip:alice@1.2.3.4.5" }, "binding_URI", "not an IPv4 address"],
    [{ forced_socket: "udp:bad..host:5060" }, "forced_socket", "proto:host:port"],
    [{ expiry: 2 ** 40 }, "expiry", "above 2147483647 s"],
    [{ expiry: 2 ** 31 }, "expiry", "above 2147483647 s"],
    [{ state: 1.5 }, "state", "32-bit integer"],
    [{ state: 2 ** 40 }, "state", "32-bit integer"],
    [{ state: Number.NaN }, "state", "32-bit integer"],
  ] as Array<[Partial<RegistrantRow>, string, string]>)("rejects %j in column %s", (overrides, field, text) => {
    const e = rejection(overrides);
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
    expect(e.message).toContain("aor=");
  });

  it("names the record's key and the column in one line, never the password", () => {
    const e = rejection({ password: "s3cr3t-pw", expiry: 5 });
    expect(e.message).toBe(
      "registrant aor=sip:alice@reg.test;contact=sip:alice@127.0.0.1:15100;registrar=sip:127.0.0.1:15101: expiry: 5 s is not above timer_interval 10 s (Please decrease timer_interval)",
    );
    expect(e.message).not.toContain("s3cr3t-pw");
    expect(e.key.aor).toBe("sip:alice@reg.test");
  });

  it("checks a registrar or proxy text seen on many rows the same way on every row (parsed once, refused every time)", () => {
    for (let i = 0; i < 3; i++) {
      expect(parseRegistrantRow(captureRow({ proxy: "sip:proxy.test:5060" }), CTX).proxy).toBe("sip:proxy.test:5060");
      expect(rejection({ registrar: "sip:reg..test" }).field).toBe("registrar");
      expect(rejection({ proxy: "sip:reg..test" }).field).toBe("proxy");
    }
    // Valid as a registrar, the text is still a proxy's own column when a proxy row is refused for it.
    expect(rejection({ registrar: "sip:proxy.test:5060", proxy: "sip:bob@proxy.test" }).field).toBe("proxy");
    // Text in the integer columns: digits are the number, anything else is refused naming the column.
    expect(parseRegistrantRow(captureRow({ state: "-1" as unknown as number }), CTX).enabled).toBe(false);
    expect(rejection({ expiry: "-60" as unknown as number }).field).toBe("expiry");
    expect(rejection({ state: "1e3" as unknown as number }).field).toBe("state");
    expect(rejection({ username: "al\u0000ice" }).field).toBe("username");
  });

  it("treats NULL and '' alike for optional columns", () => {
    const a = parseRegistrantRow(
      captureRow({ proxy: null, username: null, binding_params: null, cluster_shtag: null }),
      CTX,
    );
    const b = parseRegistrantRow(captureRow({ proxy: "", username: "", binding_params: "", cluster_shtag: "" }), CTX);
    expect(sameConfig(a, b)).toBe(true);
    expect(a.hasCredentials).toBe(false);
    expect(b.proxy).toBeUndefined();
  });

  it("keeps the username and the password as the row gives them, either one alone or neither", () => {
    const cases: Array<[string | null, string | null]> = [
      ["alice", "s3cret"],
      ["alice", null],
      [null, "s3cret"],
      [null, null],
      ["a", "p:w;d\\x"],
      ["user@example.com", ""],
    ];
    for (const [username, password] of cases) {
      const c = parseRegistrantRow(captureRow({ username, password }), CTX);
      expect([c.username, c.password]).toEqual([username || undefined, password || undefined]);
    }
    const a = parseRegistrantRow(captureRow({ username: "alice", password: "pw" }), CTX);
    expect(sameConfig(a, parseRegistrantRow(captureRow({ username: "alice", password: "pw" }), CTX))).toBe(true);
    expect(sameConfig(a, parseRegistrantRow(captureRow({ username: "alice", password: "pw2" }), CTX))).toBe(false);
    expect(sameConfig(a, parseRegistrantRow(captureRow({ username: "alicepw", password: null }), CTX))).toBe(false);
  });

  it("has no credentials when the password alone is empty", () => {
    expect(parseRegistrantRow(captureRow({ password: "" }), CTX).hasCredentials).toBe(false);
  });

  it("checks a forced socket with the socketExists callback, in canonical form", () => {
    const asked: string[] = [];
    const socketExists = (s: string) => {
      asked.push(s);
      return s === "udp:127.0.0.1:5060";
    };
    const ctx = { ...CTX, socketExists };
    expect(parseRegistrantRow(captureRow({ forced_socket: " UDP:127.0.0.1:5060 " }), ctx).forcedSocket).toBe(
      "udp:127.0.0.1:5060",
    );
    const e = rejection({ forced_socket: "tcp:127.0.0.1:5060" }, ctx);
    expect(e.field).toBe("forced_socket");
    expect(e.message).toContain("not a listening socket");
    expect(asked).toEqual(["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"]);
  });

  it("accepts a bracketed IPv6 forced socket", () => {
    expect(parseRegistrantRow(captureRow({ forced_socket: "tls:[::1]:5061" }), CTX).forcedSocket).toBe(
      "tls:[::1]:5061",
    );
  });

  it("trims the sharing tag and reads a numeric cluster id", () => {
    expect(parseRegistrantRow(captureRow({ cluster_shtag: "  vip / 2 " }), CTX).shtag).toEqual({
      name: "vip",
      clusterId: 2,
    });
  });

  it("accepts integer columns handed over as decimal strings by a driver", () => {
    const row = { ...captureRow(), expiry: "120", state: "1" } as unknown as RegistrantRow;
    const c = parseRegistrantRow(row, CTX);
    expect([c.expiry, c.enabled]).toEqual([120, false]);
    expect(rejection({ expiry: "12x" as unknown as number }).field).toBe("expiry");
  });

  it("refuses text in an integer column (SQLite keeps it as text) naming the column, never reading a default", () => {
    const text = (column: "expiry" | "state", value: string) =>
      rejection({ [column]: value as unknown as number } as Partial<RegistrantRow>);
    for (const value of ["soon", " 60", "1e3", "60.5", "0x3c", "-60"]) {
      expect(text("expiry", value).field, value).toBe("expiry");
      expect(text("expiry", value).message).toContain(`"${value}" is not a whole number of seconds`);
    }
    for (const value of ["off", "", " 1", "1.0", "0x1"]) {
      expect(text("state", value).field, value).toBe("state");
      expect(text("state", value).message).toContain(`"${value}" is not a 32-bit integer`);
    }
  });

  it("accepts the largest expiry the column holds and the hosts RFC 3261 §25.1 allows", () => {
    expect(parseRegistrantRow(captureRow({ expiry: 2147483647 }), CTX).expiry).toBe(2147483647);
    for (const registrar of [
      "sip:reg.test.",
      "sip:reg-1.example_net.test:65535",
      "sip:[::1]:5060",
      "sip:[2001:db8::1.2.3.4]",
      "sip:[fe80:0:0:0:0:0:0:1]",
      "sip:192.0.2.1:1",
      "sips:a.b.c.d.example",
    ]) {
      expect(parseRegistrantRow(captureRow({ registrar }), CTX).registrar, registrar).toBe(registrar);
    }
    expect(parseRegistrantRow(captureRow({ binding_URI: "tel:+15551234" }), CTX).binding).toBe("tel:+15551234");
  });

  it("state 0 is enabled, any other value disabled", () => {
    expect(parseRegistrantRow(captureRow({ state: 0 }), CTX).enabled).toBe(true);
    expect(parseRegistrantRow(captureRow({ state: 1 }), CTX).enabled).toBe(false);
    expect(parseRegistrantRow(captureRow({ state: 7 }), CTX).enabled).toBe(false);
  });

  it("sets FORCE_SINGLE only with both reg-id and +sip.instance, by exact name", () => {
    const fs = (p: string) => parseRegistrantRow(captureRow({ binding_params: p }), CTX).forceSingle;
    expect(fs(';reg-id=1;+sip.instance="<urn:uuid:1>"')).toBe(true);
    expect(fs(';+SIP.INSTANCE="<urn:uuid:1>";REG-ID=1')).toBe(true);
    expect(fs(";reg-id=1")).toBe(false);
    expect(fs(';+sip.instance="<urn:uuid:1>"')).toBe(false);
    expect(fs(';reg-idx=1;+sip.instancex="<urn:uuid:1>"')).toBe(false);
  });

  it("sameConfig notices a changed password, and ignores nothing else", () => {
    const a = parseRegistrantRow(captureRow(), CTX);
    expect(sameConfig(a, parseRegistrantRow(captureRow(), CTX))).toBe(true);
    for (const change of [
      { password: "other" },
      { expiry: 61 },
      { proxy: "sip:p.test" },
      { binding_params: ";x=1" },
      { state: 1 },
      { third_party_registrant: "sip:bob@x" },
      { cluster_shtag: "a/1" },
    ] as Partial<RegistrantRow>[]) {
      expect(sameConfig(a, parseRegistrantRow(captureRow(change), CTX)), JSON.stringify(change)).toBe(false);
    }
  });
});
