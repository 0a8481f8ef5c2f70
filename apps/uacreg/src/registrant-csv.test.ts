import { describe, expect, it } from "vitest";
import { parseRegistrantCsv } from "./registrant-csv.js";
import { rowValidation } from "./row-validation.js";
import { UsageError } from "./usage-error.js";

const HEAD =
  "registrar,proxy,aor,third_party_registrant,username,password,binding_URI,binding_params,expiry,forced_socket,cluster_shtag,state";

describe("CSV import parsing", () => {
  it("reads every column, empty optional fields as null", () => {
    const csv = `${HEAD}\nsip:reg.example.com,,sip:alice@example.com,,alice,secret,sip:alice@192.0.2.10:5060,,3600,,,0\n`;
    const { rows, problems } = parseRegistrantCsv(csv, {});
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        row: {
          registrar: "sip:reg.example.com",
          proxy: null,
          aor: "sip:alice@example.com",
          third_party_registrant: null,
          username: "alice",
          password: "secret",
          binding_URI: "sip:alice@192.0.2.10:5060",
          binding_params: null,
          expiry: 3600,
          forced_socket: null,
          cluster_shtag: null,
          state: 0,
        },
      },
    ]);
  });

  it("accepts a subset of columns in any order, a BOM, quoted fields and an ignored id column", () => {
    const csv = `\uFEFFid,aor,binding_URI,registrar,binding_params\n7,sip:a@x,sip:a@h,sip:x,";reg-id=1;+sip.instance=""<urn:uuid:1>"""\n`;
    const { rows } = parseRegistrantCsv(csv, {});
    expect(rows[0]?.row).toMatchObject({
      aor: "sip:a@x",
      binding_params: ';reg-id=1;+sip.instance="<urn:uuid:1>"',
      expiry: null,
      state: 0,
    });
  });

  it("maps configured column names (registrant.*_column)", () => {
    const csv = "to_uri,binding_URI,registrar\nsip:a@x,sip:a@h,sip:x\n";
    expect(parseRegistrantCsv(csv, { columns: { aor: "to_uri" } }).rows[0]?.row.aor).toBe("sip:a@x");
  });

  it("reports each bad row with its line number and keeps the good ones", () => {
    const csv = [
      "aor,binding_URI,registrar,expiry,state,cluster_shtag,password",
      "sip:a@x,sip:a@h,sip:x,3600,0,,",
      ",sip:b@h,sip:x,3600,0,,",
      "sip:c@x,sip:c@h,sip:x,soon,0,,",
      "sip:d@x,sip:d@h,sip:x,60,on,,",
      "sip:e@x,sip:e@h,sip:x,600,0,vip,",
      "sip:f@x,sip:f@h",
      "",
      "alice@x,sip:g@h,sip:x,60,0,,",
      `sip:h@x,sip:h@h,sip:x,60,0,,${"p".repeat(65)}`,
      '"sip:i@x","sip:i@h","sip:x",600,0,"vip/1",pw',
    ].join("\n");
    const { rows, problems } = parseRegistrantCsv(csv, {});
    expect(rows.map((r) => [r.line, r.row.aor])).toEqual([
      [2, "sip:a@x"],
      [11, "sip:i@x"],
    ]);
    expect(problems).toEqual([
      { line: 3, message: "aor=;contact=sip:b@h;registrar=sip:x: aor is empty" },
      { line: 4, message: 'aor=sip:c@x;contact=sip:c@h;registrar=sip:x: expiry "soon" is not a non-negative integer' },
      { line: 5, message: 'aor=sip:d@x;contact=sip:d@h;registrar=sip:x: state "on" is not an integer' },
      {
        line: 6,
        message: 'aor=sip:e@x;contact=sip:e@h;registrar=sip:x: cluster_shtag: "vip" is not name/cluster_id (no "/")',
      },
      { line: 7, message: "expected 7 fields, got 2" },
      {
        line: 9,
        message:
          'aor=alice@x;contact=sip:g@h;registrar=sip:x: aor: does not parse: bad URI scheme at offset 5: "alice@x"',
      },
      { line: 10, message: "aor=sip:h@x;contact=sip:h@h;registrar=sip:x: password is longer than 64 characters" },
    ]);
  });

  it("refuses what the daemon's loader refuses, through core's row validation with the daemon's context", () => {
    const csv = [
      "aor,binding_URI,registrar,expiry,forced_socket,binding_params,password",
      "sip:a@x,sip:a@h,sip:x,3600,,,pw-A-77",
      "sip:b@x,sip:b@h,sip:x,5,,,pw-B-77",
      "sip:c@x,sip:c@h,sip:user@x,3600,,,pw-C-77",
      "sip:d@x,sip:d@h,sip:x,3600,udp:10.9.9.9:5060,,pw-D-77",
      "sip:e@x,sip:e@h,sip:x,3600,,reg-id=1,pw-E-77",
      "sip:f@x,sip:f@h,sip:x,3600,udp:127.0.0.1:5060,,pw-F-77",
    ].join("\n");
    const validation = rowValidation({ timerInterval: 10, defaultExpires: 3600, listen: ["udp:127.0.0.1:5060"] });
    const { rows, problems } = parseRegistrantCsv(csv, {}, validation);
    expect(rows.map((r) => r.line)).toEqual([2, 7]);
    const key = (user: string, registrar = "sip:x") => `aor=sip:${user}@x;contact=sip:${user}@h;registrar=${registrar}`;
    expect(problems).toEqual([
      {
        line: 3,
        message: `${key("b")}: expiry: 5 s is not above timer_interval 10 s (Please decrease timer_interval)`,
      },
      { line: 4, message: `${key("c", "sip:user@x")}: registrar: must not have a user part` },
      { line: 5, message: `${key("d")}: forced_socket: udp:10.9.9.9:5060 is not a listening socket` },
      { line: 6, message: `${key("e")}: binding_params: must start with ";"` },
    ]);
    expect(JSON.stringify(problems)).not.toContain("pw-");
  });

  it("accepts a sharing tag with blanks the daemon trims (the CSV rule no longer differs from core's)", () => {
    const csv = `aor,binding_URI,registrar,expiry,cluster_shtag\nsip:a@x,sip:a@h,sip:x,600,vip / 2\n`;
    const { rows, problems } = parseRegistrantCsv(csv, {});
    expect(problems).toEqual([]);
    expect(rows[0]?.row.cluster_shtag).toBe("vip / 2");
  });

  it("never puts a password in a problem message", () => {
    const csv = `aor,binding_URI,registrar,password,expiry\nsip:a@x,sip:a@h,sip:x,hunter2,bad\n`;
    const { problems } = parseRegistrantCsv(csv, {});
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain("hunter2");
  });

  it("refuses a header with an unknown or duplicate column, or without the key columns", () => {
    expect(() => parseRegistrantCsv("aor,binding_URI,registrar,colour\n", {})).toThrow(/unknown column "colour"/);
    expect(() => parseRegistrantCsv("aor,aor,binding_URI,registrar\n", {})).toThrow(/appears twice/);
    expect(() => parseRegistrantCsv("aor,registrar\n", {})).toThrow(UsageError);
    expect(() => parseRegistrantCsv("", {})).toThrow(/empty/);
  });
});
