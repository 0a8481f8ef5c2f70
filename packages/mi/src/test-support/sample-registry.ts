/**
 * A registry shaped like the daemon's, for the tests of the registry and the front ends: `reg_*`-named commands with
 * their 4.x aliases over a tiny in-memory table (the real registrant commands live in @uacreg/registrant-mi), plus
 * commands that exercise the recipe, type and failure rules.
 */
import { MiError } from "../mi-error.js";
import { MiRegistry, type MiRegistryOptions } from "../mi-registry.js";

export const KEY = ["aor", "contact", "registrar"] as const;

export interface Fixture {
  registry: MiRegistry;
  records: Map<string, { aor: string; contact: string; registrar: string; enabled: boolean; expiry?: number }>;
  calls: string[];
}

export function sampleRegistry(options: MiRegistryOptions = {}): Fixture {
  const registry = new MiRegistry(options);
  const records: Fixture["records"] = new Map();
  const calls: string[] = [];
  records.set("sip:a@x|sip:a@1.2.3.4|sip:x", {
    aor: "sip:a@x",
    contact: "sip:a@1.2.3.4",
    registrar: "sip:x",
    enabled: true,
  });
  const keyOf = (p: { string(n: string): string }) =>
    `${p.string("aor")}|${p.string("contact")}|${p.string("registrar")}`;
  registry.register({
    name: "reg_list",
    aliases: ["uac_registrant:list"],
    module: "uac_registrant",
    help: "lists the registrant records",
    recipes: [[], [...KEY]],
    handler: (p) => {
      calls.push("reg_list");
      if (!p.has("aor")) return { Records: [...records.values()].map((r) => ({ AOR: r.aor })) };
      const r = records.get(keyOf(p));
      if (!r) throw MiError.command(404, "No such registrant");
      return { Registrant: { AOR: r.aor } };
    },
  });
  registry.register({
    name: "reg_disable",
    aliases: ["uac_registrant:disable"],
    module: "uac_registrant",
    recipes: [[...KEY]],
    handler: (p) => {
      calls.push("reg_disable");
      const r = records.get(keyOf(p));
      if (!r) throw MiError.command(404, "No such registrant");
      r.enabled = false;
      return "OK";
    },
  });
  registry.register({
    name: "reg_upsert",
    aliases: ["uac_registrant:upsert"],
    module: "uac_registrant",
    recipes: [
      [...KEY, "expiry"],
      [...KEY, "expiry", "state"],
    ],
    handler: (p) => {
      const expiry = p.int("expiry");
      if (expiry < 10) throw MiError.failedToHandleParameter();
      const key = keyOf(p);
      records.set(key, {
        aor: p.string("aor"),
        contact: p.string("contact"),
        registrar: p.string("registrar"),
        enabled: (p.optionalInt("state") ?? 0) === 0,
        expiry,
      });
      return "OK";
    },
  });
  registry.register({ name: "twins", recipes: [["a"], ["b"]], handler: (p) => p.recipe.join(",") });
  registry.register({ name: "named_only", namedOnly: true, recipes: [["a"]], handler: () => "OK" });
  registry.register({ name: "tags", recipes: [["list"]], handler: (p) => p.stringArray("list") });
  registry.register({ name: "returns_null", recipes: [[]], handler: () => null });
  registry.register({
    name: "throws",
    recipes: [[]],
    handler: () => {
      throw new Error("db down");
    },
  });
  registry.register({ name: "async_ok", recipes: [[]], handler: async () => ({ n: 1, s: "é/\u0001" }) });
  registry.register({ name: "wrong_fetch", recipes: [["a"]], handler: (p) => p.string("b") });
  registry.register({ name: "other:list", recipes: [[]], handler: () => "other" });
  return { registry, records, calls };
}
