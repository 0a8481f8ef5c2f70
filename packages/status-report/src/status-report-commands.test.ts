import { formatKey, type RegistrantKey } from "@uacreg/core";
import { formatCtime, MiError, MiRegistry } from "@uacreg/mi";
import { beforeEach, describe, expect, it } from "vitest";
import { RegistrantReports } from "./registrant-reports.js";
import { SimpleStatusGroup, StatusReports } from "./sr-group.js";
import { registerStatusReportCommands } from "./status-report-commands.js";

const alice: RegistrantKey = {
  aor: "sip:alice@example.com",
  contact: "sip:alice@10.0.0.1",
  registrar: "sip:reg.example.com",
};
const bob: RegistrantKey = {
  aor: "sip:bob@example.com",
  contact: "sip:bob@10.0.0.1",
  registrar: "sip:reg.example.com",
};
const A = formatKey(alice);
const B = formatKey(bob);

let registry: MiRegistry;
let registrants: RegistrantReports;
let prepared = 0;

beforeEach(() => {
  prepared = 0;
  const groups = new StatusReports();
  const core = new SimpleStatusGroup("core");
  core.addIdentifier("main", -1, "initializing", 10);
  core.addReport("main", "initializing", 1700000000);
  core.setStatus("main", 1, "running");
  core.addReport("main", "initialization completed, ready now", 1700000001);
  groups.register(core);
  registrants = new RegistrantReports({
    prepare: () => {
      prepared++;
    },
  });
  groups.register(registrants);
  registrants.created(alice, 1700000000);
  registrants.created(bob, 1700000000);
  registrants.changed({
    key: alice,
    from: "NOT_REGISTERED_STATE",
    to: "REGISTERING_STATE",
    reason: "v",
    at: 1700000010,
  });
  registrants.changed({
    key: alice,
    from: "REGISTERING_STATE",
    to: "REGISTERED_STATE",
    reason: "200 OK",
    at: 1700000011,
  });
  registry = new MiRegistry();
  registerStatusReportCommands(registry, groups, { utcDates: true });
});

/** The result as a client reads it: through JSON, as the wire carries it. */
async function call(method: string, params?: Record<string, unknown> | unknown[]): Promise<unknown> {
  return JSON.parse(JSON.stringify(await registry.call(method, params)));
}

async function error(method: string, params?: Record<string, unknown> | unknown[]): Promise<MiError> {
  const e = await call(method, params).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof MiError)) throw new Error(`${method} did not fail with an MiError`);
  return e;
}

describe("sr_get_status", () => {
  it("answers {Readiness, Status, Details} of one record, under the 3.x name and the 4.x status_report:get", async () => {
    expect(await call("sr_get_status", { group: "uac_registrant", identifier: A })).toEqual({
      Readiness: true,
      Status: 1,
      Details: "REGISTERED_STATE",
    });
    expect(await call("status_report:get", ["uac_registrant", B])).toEqual({
      Readiness: false,
      Status: -1,
      Details: "NOT_REGISTERED_STATE",
    });
  });

  it("finds groups and identifiers without regard to case", async () => {
    expect(await call("sr_get_status", ["UAC_Registrant", A.toUpperCase()])).toMatchObject({ Status: 1 });
  });

  it("reads the main identifier when none is named: the core group's, and 404 for the registrant group", async () => {
    expect(await call("sr_get_status", ["core"])).toEqual({ Readiness: true, Status: 1, Details: "running" });
    const e = await error("sr_get_status", ["uac_registrant"]);
    expect([e.code, e.message]).toEqual([404, "Identity not found"]);
  });

  it("aggregates every identifier of the group for 'all'", async () => {
    expect(await call("sr_get_status", ["uac_registrant", "all"])).toEqual({
      Readiness: false,
      Status: -1,
      Details: "aggregated",
    });
    registrants.remove(bob);
    expect(await call("sr_get_status", ["uac_registrant", "ALL"])).toEqual({
      Readiness: true,
      Status: 1,
      Details: "aggregated",
    });
  });

  it("answers 404 Group not found and 404 Identity not found", async () => {
    const g = await error("sr_get_status", ["nope"]);
    expect([g.code, g.message]).toEqual([404, "Group not found"]);
    const i = await error("sr_get_status", ["uac_registrant", "aor=nobody"]);
    expect([i.code, i.message]).toEqual([404, "Identity not found"]);
    expect((await error("sr_get_status")).code).toBe(-32602);
  });
});

describe("sr_list_status", () => {
  it("lists one group's identifiers newest first as {Name, Readiness, Status, Details}", async () => {
    expect(await call("sr_list_status", ["uac_registrant"])).toEqual([
      { Name: B, Readiness: false, Status: -1, Details: "NOT_REGISTERED_STATE" },
      { Name: A, Readiness: true, Status: 1, Details: "REGISTERED_STATE" },
    ]);
    expect(prepared).toBe(1);
  });

  it("lists every group, newest first, as {Name, Identifiers}", async () => {
    const all = (await call("status_report:status")) as { Name: string }[];
    expect(all.map((g) => g.Name)).toEqual(["uac_registrant", "core"]);
    expect(all[1]).toEqual({
      Name: "core",
      Identifiers: [{ Name: "main", Readiness: true, Status: 1, Details: "running" }],
    });
  });
});

describe("sr_list_reports", () => {
  it("lists one identifier's reports as {Timestamp, Date, Log}, the Log with OpenSIPS's trailing newline", async () => {
    expect(await call("sr_list_reports", ["uac_registrant", A])).toEqual([
      {
        Timestamp: 1700000000,
        Date: formatCtime(1700000000, true),
        Log: "created with state NOT_REGISTERED_STATE\n",
      },
      { Timestamp: 1700000010, Date: "Tue Nov 14 22:13:30 2023", Log: "state changed to REGISTERING_STATE\n" },
      { Timestamp: 1700000011, Date: "Tue Nov 14 22:13:31 2023", Log: "state changed to REGISTERED_STATE\n" },
    ]);
  });

  it("lists a group as [{Name, Reports}] and everything as [{Name, Identifiers: [{Name, Reports}]}]", async () => {
    const group = (await call("sr_list_reports", { group: "uac_registrant" })) as {
      Name: string;
      Reports: unknown[];
    }[];
    expect(group.map((g) => [g.Name, g.Reports.length])).toEqual([
      [B, 1],
      [A, 3],
    ]);
    const all = (await call("sr_list_reports")) as { Name: string; Identifiers: unknown[] }[];
    expect(all.map((g) => g.Name)).toEqual(["uac_registrant", "core"]);
    expect(all[1]?.Identifiers).toEqual([
      {
        Name: "main",
        Reports: [
          { Timestamp: 1700000000, Date: "Tue Nov 14 22:13:20 2023", Log: "initializing" },
          { Timestamp: 1700000001, Date: "Tue Nov 14 22:13:21 2023", Log: "initialization completed, ready now" },
        ],
      },
    ]);
  });

  it("answers 404 Identifier not found (not 'Identity', as OpenSIPS) for an unknown identifier", async () => {
    const e = await error("sr_list_reports", ["uac_registrant", "aor=x"]);
    expect([e.code, e.message]).toEqual([404, "Identifier not found"]);
    expect((await error("sr_list_reports", ["x"])).message).toBe("Group not found");
  });
});

describe("sr_list_identifiers", () => {
  it("answers {Group, Identifiers} for a group and an array of them for all", async () => {
    expect(await call("sr_list_identifiers", ["uac_registrant"])).toEqual({
      Group: "uac_registrant",
      Identifiers: [B, A],
    });
    expect(await call("status_report:identifiers")).toEqual([
      { Group: "uac_registrant", Identifiers: [B, A] },
      { Group: "core", Identifiers: ["main"] },
    ]);
  });

  it("prints a large group slice by slice, byte for byte the JSON of the whole array", async () => {
    for (let i = 0; i < 3000; i++) registrants.created({ aor: `sip:u${i}@x`, contact: "sip:c", registrar: "sip:r" }, 1);
    const outcome = await registry.handleValueInSlices(
      { jsonrpc: "2.0", method: "sr_list_identifiers", params: ["uac_registrant"], id: 1 },
      "direct",
    );
    if (outcome.kind !== "reply") throw new Error("no reply");
    const slices = [...outcome.slices];
    expect(outcome.lazy).toBe(true);
    expect(slices.length).toBeGreaterThan(1);
    const reply = JSON.parse(slices.join("")) as { result: { Identifiers: string[] } };
    expect(reply.result.Identifiers).toHaveLength(3002);
    expect(reply.result.Identifiers[0]).toBe("aor=sip:u2999@x;contact=sip:c;registrar=sip:r");
  });
});
