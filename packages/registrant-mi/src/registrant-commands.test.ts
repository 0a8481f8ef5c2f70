import { formatKey, type RegistrantRow } from "@uacreg/core";
import type { RegistrantEngine } from "@uacreg/engine";
import { MiError, MiRegistry } from "@uacreg/mi";
import { beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { type MiCallReport, registerRegistrantCommands } from "./registrant-commands.js";
import type { RegistrantService } from "./registrant-service.js";
import { InMemoryRegistrantService, recordView } from "./test-support/in-memory-registrant-service.js";

const ALICE = { aor: "sip:alice@reg.test", contact: "sip:alice@127.0.0.1:5099", registrar: "sip:127.0.0.1:5060" };
const KEY = [ALICE.aor, ALICE.contact, ALICE.registrar];
const NAMED_KEY = { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar };
const ALICE_ID = formatKey(ALICE);
const NAMES = [
  "reg_list",
  "reg_reload",
  "reg_enable",
  "reg_disable",
  "reg_force_register",
  "reg_delete",
  "reg_upsert",
  "reg_stats",
];
const ALIASES = ["list", "reload", "enable", "disable", "force_register", "delete", "upsert", "stats"].map(
  (s) => `uac_registrant:${s}`,
);

let service: InMemoryRegistrantService;
let registry: MiRegistry;
let observed: string[];
let reports: MiCallReport[];

function upsertParams(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...NAMED_KEY,
    proxy: "",
    third_party_registrant: "",
    username: "alice",
    password: "Pw-Secret-1",
    binding_params: "",
    expiry: "3600",
    forced_socket: "",
    cluster_shtag: "",
    state: 0,
    ...over,
  };
}

/** Alice's row as the database holds it. */
function databaseRow(over: Partial<RegistrantRow> = {}): RegistrantRow {
  return {
    aor: ALICE.aor,
    binding_URI: ALICE.contact,
    registrar: ALICE.registrar,
    proxy: null,
    third_party_registrant: null,
    username: "alice",
    password: "Pw-Secret-1",
    binding_params: null,
    expiry: 60,
    forced_socket: null,
    cluster_shtag: null,
    state: 0,
    ...over,
  };
}

/** The reply bytes for a request, as the HTTP and FIFO front ends send them. */
async function reply(method: string, params?: unknown): Promise<string> {
  const request = JSON.stringify({ jsonrpc: "2.0", id: "1", method, ...(params === undefined ? {} : { params }) });
  const outcome = await registry.handleBytes(request, "direct");
  return outcome.kind === "reply" ? outcome.body : "";
}

beforeEach(() => {
  service = new InMemoryRegistrantService();
  service.add(
    recordView(ALICE, {
      expires: 3600,
      state: 8,
      stateName: "REGISTERED_STATE",
      lastRegisterSent: 1769611907,
      registrationTimeout: 1769615327,
    }),
  );
  registry = new MiRegistry();
  observed = [];
  reports = [];
  registerRegistrantCommands(registry, service, {
    utc: true,
    observe: (command, outcome, call) => {
      observed.push(`${command} ${outcome}`);
      reports.push(call);
    },
  });
});

describe("the registrant commands (docs/opensips-behaviour.md §9)", () => {
  it("are listed by `which` under the 3.x flat names and the 4.x uac_registrant: aliases", async () => {
    const listed = (await registry.call("which")) as string[];
    expect(listed).toEqual(expect.arrayContaining([...NAMES, ...ALIASES]));
    expect(await registry.call("which", { command: "reg_list" })).toEqual([[], ["aor", "contact", "registrar"]]);
    expect(await registry.call("help", { mi_cmd: "uac_registrant:disable" })).toMatchObject({
      "Exported by": "uac_registrant",
      Recipes: [["aor", "contact", "registrar"]],
    });
  });

  it("reg_list prints every record with ctime times, and never the password", async () => {
    service.add(recordView({ ...ALICE, aor: "sip:bob@reg.test" }, { proxy: "sip:proxy.test" }));
    expect(await reply("reg_list")).toBe(
      '{"jsonrpc":"2.0","result":{"Records":[{"AOR":"sip:alice@reg.test","expires":3600,"state":"REGISTERED_STATE",' +
        '"enabled":"yes","last_register_sent":"Wed Jan 28 14:51:47 2026","registration_t_out":"Wed Jan 28 15:48:47 2026",' +
        '"registrar":"sip:127.0.0.1:5060","binding":"sip:alice@127.0.0.1:5099"},{"AOR":"sip:bob@reg.test","expires":0,' +
        '"state":"NOT_REGISTERED_STATE","enabled":"yes","last_register_sent":"Thu Jan  1 00:00:00 1970",' +
        '"registration_t_out":"Thu Jan  1 00:00:00 1970","registrar":"sip:127.0.0.1:5060",' +
        '"binding":"sip:alice@127.0.0.1:5099","proxy":"sip:proxy.test"}]},"id":"1"}',
    );
  });

  it("reg_list makes each record's view only when the slice holding it is made, with the bytes of the whole", async () => {
    for (let i = 0; i < 5000; i++) service.add(recordView({ ...ALICE, aor: `sip:user${i}@reg.test` }));
    const request = { jsonrpc: "2.0", id: "1", method: "reg_list" };
    const outcome = await registry.handleValueInSlices(request, "http");
    if (outcome.kind !== "reply") throw new Error("no reply");
    expect(outcome.lazy).toBe(true);
    expect(service.viewsMade).toBe(0);
    const slices = outcome.slices[Symbol.iterator]();
    const first = slices.next();
    // The first slice (64 K characters) holds a few hundred records: only those were viewed.
    expect(service.viewsMade).toBeGreaterThan(0);
    expect(service.viewsMade).toBeLessThan(1000);
    let text = first.done ? "" : first.value;
    for (let r = slices.next(); !r.done; r = slices.next()) text += r.value;
    expect(service.viewsMade).toBe(5001);
    expect(text).toBe(await reply("reg_list"));
  });

  it("reg_list with a key prints that record as Registrant, positional or named, or 404", async () => {
    const one = (await registry.call("reg_list", KEY)) as { Registrant: Record<string, unknown> };
    expect(one.Registrant).toMatchObject({ AOR: ALICE.aor, state: "REGISTERED_STATE", binding: ALICE.contact });
    expect(await registry.call("uac_registrant:list", NAMED_KEY)).toEqual(one);
    expect(await reply("reg_list", ["sip:nobody@x", ALICE.contact, ALICE.registrar])).toBe(
      '{"jsonrpc":"2.0","error":{"code":404,"message":"No such registrant"},"id":"1"}',
    );
    expect(await reply("reg_list", [ALICE.aor])).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"1"}',
    );
  });

  it.each([
    ["reg_disable", "disable", { enabled: false }],
    ["reg_enable", "enable", { enabled: true }],
    ["reg_force_register", "forceRegister", { registrationTimeout: 0 }],
  ] as const)("%s acts on the record and answers OK, or 404 for an unknown key", async (name, call, after) => {
    expect(await reply(name, KEY)).toBe('{"jsonrpc":"2.0","result":"OK","id":"1"}');
    expect(service.calls).toContain(`${call} ${ALICE_ID}`);
    expect(service.records.get(ALICE_ID)).toMatchObject(after);
    await expect(registry.call(name, ["sip:nobody@x", "c", "r"])).rejects.toMatchObject({
      code: 404,
      message: "No such registrant",
    });
  });

  it("reg_delete removes the record; a second delete is 404; the 4.x name and the bare short name work", async () => {
    expect(await registry.call("uac_registrant:delete", NAMED_KEY)).toBe("OK");
    expect(service.records.size).toBe(0);
    await expect(registry.call("delete", KEY)).rejects.toMatchObject({ code: 404, message: "No such registrant" });
  });

  it("the key commands take only the three-name recipe", async () => {
    expect(await reply("reg_enable")).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":"1"}',
    );
    expect(await reply("reg_enable", { aor: ALICE.aor, contact: ALICE.contact, registar: "x" })).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":"1"}',
    );
  });

  it("reg_reload reloads everything, or one key, and answers 404 for a key the database does not have", async () => {
    service.database.set(ALICE_ID, databaseRow({ state: 1 }));
    expect(await registry.call("reg_reload", KEY)).toBe("OK");
    expect((await registry.call("reg_list", KEY)) as object).toMatchObject({ Registrant: { enabled: "no" } });
    await expect(registry.call("reg_reload", ["sip:nobody@x", "c", "r"])).rejects.toMatchObject({
      code: 404,
      message: "No such registrant in database",
    });
    expect(await registry.call("uac_registrant:reload")).toBe("OK");
    expect(service.calls).toContain("reload");
  });

  it("reg_reload that fails in the service answers -32000 Command handler returned null", async () => {
    service.reloadError = new Error("database gone");
    expect(await reply("reg_reload")).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Command handler returned null"},"id":"1"}',
    );
  });

  it("reg_upsert takes the twelve columns, empty strings as NULL, numbers given as strings", async () => {
    const bob = { aor: "sip:bob@reg.test", contact: "sip:bob@127.0.0.1", registrar: "sip:reg.test" };
    expect(await registry.call("reg_upsert", upsertParams({ ...bob, proxy: "sip:p.test", state: "1" }))).toBe("OK");
    const listed = (await registry.call("reg_list", bob)) as { Registrant: Record<string, unknown> };
    expect(listed.Registrant).toMatchObject({ AOR: bob.aor, enabled: "no", proxy: "sip:p.test" });
    expect(listed.Registrant).not.toHaveProperty("binding_params");
    expect(JSON.stringify(listed)).not.toContain("Pw-Secret-1");
  });

  it("reg_upsert of a row the service refuses answers 503 Failed Upsert, naming the column, not the password", async () => {
    const body = await reply("reg_upsert", upsertParams({ expiry: 0 }));
    expect(body).toBe(
      `{"jsonrpc":"2.0","error":{"code":503,"message":"Failed Upsert","data":"registrant aor=${ALICE.aor};contact=${ALICE.contact};registrar=${ALICE.registrar}: expiry: 0 s is not above timer_interval 10 s (Please decrease timer_interval)"},"id":"1"}`,
    );
    expect(body).not.toContain("Pw-Secret-1");
  });

  it.each([
    [{ aor: "mailto:alice@reg.test" }, "aor: is not a sip: or sips: URI"],
    [{ aor: "http://reg.test/alice" }, "aor: is not a sip: or sips: URI"],
    [{ registrar: "sip:127.0.0.1:0" }, "registrar: has port 0"],
    [{ registrar: "sip:127.0.0.1:65536" }, "registrar: does not parse: bad port"],
    [{ contact: "sip:alice@127.0.0.1:0" }, "binding_URI: has port 0"],
    [{ proxy: "sip:proxy..test" }, 'proxy: host "proxy..test" has an empty label'],
    [{ registrar: "sip:10.0.0.256" }, 'registrar: host "10.0.0.256" is not an IPv4 address'],
    [{ expiry: 2 ** 40 }, "expiry: 1099511627776 s is above 2147483647 s"],
    [{ state: 2 ** 40 }, 'state: "1099511627776" is not a 32-bit integer'],
  ])("reg_upsert refuses %j with 503 Failed Upsert naming the column, and changes nothing", async (over, reason) => {
    const before = [...service.records.entries()];
    const body = await reply("reg_upsert", upsertParams(over));
    const error = (JSON.parse(body) as { error: { code: number; message: string; data: string } }).error;
    expect([error.code, error.message]).toEqual([503, "Failed Upsert"]);
    expect(error.data).toContain(reason);
    expect(body).not.toContain("Pw-Secret-1");
    expect([...service.records.entries()]).toEqual(before);
  });

  it("reg_upsert refuses a missing column and a non-integer expiry with the -32602 strings", async () => {
    const { state: _state, ...eleven } = upsertParams();
    expect(await reply("reg_upsert", eleven)).toContain('"data":"Too few or too many parameters"');
    expect(await reply("reg_upsert", upsertParams({ expiry: "soon" }))).toContain(
      `"data":"Bad type for parameter 'expiry'"`,
    );
  });

  it("reg_stats prints the records per state and the counters", async () => {
    expect(await registry.call("reg_stats")).toEqual({
      States: { NOT_REGISTERED_STATE: 0, REGISTERED_STATE: 1 },
      Counters: { records: 1 },
    });
  });

  it("reports each call's outcome to the observer under the flat name", async () => {
    await registry.call("uac_registrant:disable", KEY);
    await registry.call("reg_disable", ["sip:nobody@x", "c", "r"]).catch(() => undefined);
    expect(observed).toEqual(["reg_disable ok", "reg_disable error"]);
  });

  it("tells the observer which calls change something, the record they named and the error they answered", async () => {
    await registry.call("reg_list");
    await registry.call("reg_force_register", KEY);
    await registry.call("reg_delete", ["sip:nobody@x", "c", "r"]).catch(() => undefined);
    await registry.call("reg_reload");
    expect(reports).toEqual([
      { changes: false, transport: "direct" },
      { changes: true, transport: "direct", key: NAMED_KEY },
      {
        changes: true,
        transport: "direct",
        key: { aor: "sip:nobody@x", contact: "c", registrar: "r" },
        error: { code: 404, message: "No such registrant" },
      },
      { changes: true, transport: "direct" },
    ]);
  });
});

describe("before the records are loaded (the service is not there yet)", () => {
  let later: RegistrantService | undefined;

  beforeEach(() => {
    later = undefined;
    registry = new MiRegistry();
    registerRegistrantCommands(registry, () => later);
  });

  it("reg_list and reg_stats answer empty, a key lookup 404", async () => {
    expect(await registry.call("reg_list")).toEqual({ Records: [] });
    expect(await registry.call("reg_stats")).toEqual({ States: {}, Counters: {} });
    await expect(registry.call("reg_list", KEY)).rejects.toMatchObject({ code: 404, message: "No such registrant" });
  });

  it.each(["reg_enable", "reg_disable", "reg_force_register", "reg_delete", "reg_reload"])(
    "%s answers 503 until the service exists, then works",
    async (name) => {
      const err = await registry.call(name, KEY).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MiError);
      expect(err).toMatchObject({ code: 503, message: "Registrant records not loaded yet (database unreachable)" });
      later = service;
      service.database.set(ALICE_ID, databaseRow());
      expect(await registry.call(name, KEY)).toBe("OK");
    },
  );

  it("reg_upsert answers 503 until the service exists", async () => {
    await expect(registry.call("reg_upsert", upsertParams())).rejects.toMatchObject({ code: 503 });
  });
});

describe("RegistrantService", () => {
  it("is satisfied by the engine, structurally", () => {
    expectTypeOf<RegistrantEngine>().toExtend<RegistrantService>();
  });
});
