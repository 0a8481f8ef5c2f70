import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { uptimeCommand, versionCommand } from "./core-commands.js";
import { formatCtime } from "./ctime.js";
import { MiError } from "./mi-error.js";
import { HELP_USAGE, MiRegistry, MiRegistryError } from "./mi-registry.js";
import { sampleRegistry } from "./test-support/sample-registry.js";

describe("which", () => {
  it("lists the flat names (opensips-cli's check for `-x mi reg_list`) and then the module:name aliases", async () => {
    const { registry } = sampleRegistry();
    const names = (await registry.call("which")) as string[];
    expect(names.slice(0, 3)).toEqual(["which", "help", "reg_list"]);
    expect(names).toContain("reg_disable");
    expect(names).toContain("uac_registrant:list");
    expect(names).toContain("core:which");
    expect(names.indexOf("reg_list")).toBeLessThan(names.indexOf("uac_registrant:list"));
  });

  it("lists only the flat names with whichLists: flat (OpenSIPS 3.x)", async () => {
    const { registry } = sampleRegistry({ whichLists: "flat" });
    const names = (await registry.call("which", {})) as string[];
    expect(names).toContain("reg_list");
    expect(names).not.toContain("uac_registrant:list");
    expect(names).not.toContain("core:which");
  });

  it("answers {} like no params, as opensips-cli sends it", async () => {
    const { registry } = sampleRegistry();
    const out = await registry.handleBytes('{"jsonrpc": "2.0", "id": "77", "method": "which", "params": {}}', "http");
    expect(out.kind === "reply" && out.body.startsWith('{"jsonrpc":"2.0","result":["which","help","reg_list",')).toBe(
      true,
    );
  });

  it("returns a command's recipes by flat name or alias", async () => {
    const { registry } = sampleRegistry();
    const out = await registry.handleBytes(
      '{"jsonrpc":"2.0","id":1,"method":"which","params":{"command":"reg_list"}}',
      "http",
    );
    expect(out).toEqual({
      kind: "reply",
      body: '{"jsonrpc":"2.0","result":[[],["aor","contact","registrar"]],"id":1}',
    });
    expect(await registry.call("which", ["uac_registrant:disable"])).toEqual([["aor", "contact", "registrar"]]);
  });

  it("lists a module's commands for `module:`", async () => {
    const { registry } = sampleRegistry();
    expect(await registry.call("which", ["uac_registrant:"])).toEqual([
      "uac_registrant:list",
      "uac_registrant:disable",
      "uac_registrant:upsert",
    ]);
  });
});

describe("help", () => {
  it("without a command prints the usage string", async () => {
    const { registry } = sampleRegistry();
    expect(await registry.call("help")).toBe(HELP_USAGE);
  });

  it("describes a command and its recipes", async () => {
    const { registry } = sampleRegistry();
    expect(await registry.call("help", { mi_cmd: "uac_registrant:list" })).toEqual({
      Help: "lists the registrant records",
      "Exported by": "uac_registrant",
      Recipes: [[], ["aor", "contact", "registrar"]],
    });
  });
});

describe("names and aliases", () => {
  it("runs the same handler under the flat name, the 4.x name and a unique short name", async () => {
    const { registry, calls } = sampleRegistry();
    await registry.call("reg_list");
    await registry.call("uac_registrant:list", []);
    await registry.call("disable", ["sip:a@x", "sip:a@1.2.3.4", "sip:x"]);
    expect(calls).toEqual(["reg_list", "reg_list", "reg_disable"]);
  });

  it("refuses a name registered twice", () => {
    const registry = new MiRegistry();
    expect(() => registry.register({ name: "which", recipes: [[]], handler: () => "x" })).toThrow(MiRegistryError);
    expect(() => registry.register({ name: "x", aliases: ["core:help"], recipes: [[]], handler: () => "x" })).toThrow(
      MiRegistryError,
    );
    expect(() => registry.register({ name: "y", recipes: [], handler: () => "x" })).toThrow(MiRegistryError);
    expect(() => registry.register({ name: "z", recipes: [["a", "a"]], handler: () => "x" })).toThrow(MiRegistryError);
  });

  it("passes the call context to the handler", async () => {
    const registry = new MiRegistry();
    registry.register({ name: "ctx", aliases: ["m:ctx"], recipes: [[]], handler: (_p, c) => ({ ...c }) });
    expect(await registry.call("m:ctx", undefined, "fifo")).toEqual({
      command: "ctx",
      method: "m:ctx",
      transport: "fifo",
      notification: false,
    });
  });

  it("call() throws the MiError a reply would carry", async () => {
    const { registry } = sampleRegistry();
    await expect(registry.call("reg_list", ["a", "b", "c"])).rejects.toMatchObject({
      code: 404,
      message: "No such registrant",
    });
    await expect(registry.call("nope")).rejects.toBeInstanceOf(MiError);
  });
});

describe("uptime and version helpers", () => {
  it("prints OpenSIPS-shaped replies", async () => {
    const registry = new MiRegistry();
    registry.register(
      uptimeCommand({ startedAt: 1_000_000, clock: new VirtualClock({ wallStart: 1_062_500 }), utc: true }),
    );
    registry.register(versionCommand("uacreg (0.1.0 (x86_64/linux))"));
    expect(await registry.call("uptime")).toEqual({
      Now: "Thu Jan  1 00:17:42 1970",
      "Up since": "Thu Jan  1 00:16:40 1970",
      "Up time": "62 [sec]",
    });
    expect(await registry.call("core:version")).toEqual({ Server: "uacreg (0.1.0 (x86_64/linux))" });
  });

  it("formats ctime with a space-padded day", () => {
    expect(formatCtime(0, true)).toBe("Thu Jan  1 00:00:00 1970");
    expect(formatCtime(1769611907, true)).toBe("Wed Jan 28 14:51:47 2026");
  });
});
