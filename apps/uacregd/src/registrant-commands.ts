/**
 * The uac_registrant MI commands (reference §9 with decisions.md): each under its 3.x flat name and its 4.x
 * `uac_registrant:` alias, with OpenSIPS's recipes, reply shapes and error codes. `reg_stats` is ours.
 */
import type { RegistrantEngine, RegistrantRow } from "@uacreg/engine";
import { type MiCommand, MiError, type MiParams, type MiRegistry } from "@uacreg/mi";
import { regListRecord } from "./reg-list.js";

const KEY = ["aor", "contact", "registrar"] as const;
const UPSERT = [
  "aor",
  "contact",
  "registrar",
  "proxy",
  "third_party_registrant",
  "username",
  "password",
  "binding_params",
  "expiry",
  "forced_socket",
  "cluster_shtag",
  "state",
];

/** Where the commands find the engine: absent while the database is still unreachable at start-up. */
export interface EngineHolder {
  engine(): RegistrantEngine | undefined;
}

const NO_SUCH = () => MiError.command(404, "No such registrant");

function keyOf(p: MiParams) {
  return { aor: p.string("aor"), contact: p.string("contact"), registrar: p.string("registrar") };
}

function ready(h: EngineHolder): RegistrantEngine {
  const engine = h.engine();
  if (!engine) throw MiError.command(503, "Registrant records not loaded yet (database unreachable)");
  return engine;
}

/** Called once per MI call with the command's name and "ok" or "error" (metrics). */
export type MiObserver = (command: string, outcome: "ok" | "error") => void;

export function registerRegistrantCommands(registry: MiRegistry, holder: EngineHolder, observe?: MiObserver): void {
  const mod = "uac_registrant";
  const add = (cmd: MiCommand): void => {
    if (!observe) {
      registry.register(cmd);
      return;
    }
    const handler = cmd.handler;
    registry.register({
      ...cmd,
      handler: async (p, ctx) => {
        try {
          const r = await handler(p, ctx);
          observe(cmd.name, "ok");
          return r;
        } catch (e) {
          observe(cmd.name, "error");
          throw e;
        }
      },
    });
  };
  add({
    name: "reg_list",
    aliases: [`${mod}:list`],
    module: mod,
    help: "lists all registrant records, or the one given by aor, contact, registrar",
    recipes: [[], [...KEY]],
    handler: (p) => {
      const engine = holder.engine();
      if (!p.has("aor")) return { Records: engine ? engine.list().map(regListRecord) : [] };
      const rec = engine?.get(keyOf(p));
      if (!rec) throw NO_SUCH();
      return { Registrant: regListRecord(rec) };
    },
  });
  add({
    name: "reg_reload",
    aliases: [`${mod}:reload`],
    module: mod,
    help: "reloads all records from the database, or the one given by aor, contact, registrar",
    recipes: [[], [...KEY]],
    handler: async (p) => {
      const engine = ready(holder);
      if (!p.has("aor")) {
        await engine.reload();
        return "OK";
      }
      const r = await engine.reloadOne(keyOf(p));
      if (r === "not-found") throw MiError.command(404, "No such registrant in database");
      return "OK";
    },
  });
  const simple: Array<[string, string, string, (e: RegistrantEngine, k: ReturnType<typeof keyOf>) => boolean]> = [
    ["reg_enable", "enable", "enables a record (REGISTER at once if not registered)", (e, k) => e.enable(k)],
    ["reg_disable", "disable", "disables a record (unREGISTER if registered)", (e, k) => e.disable(k)],
    [
      "reg_force_register",
      "force_register",
      "re-registers a record on the next visit of its bucket",
      (e, k) => e.forceRegister(k),
    ],
    ["reg_delete", "delete", "unregisters and removes a record from memory", (e, k) => e.delete(k)],
  ];
  for (const [name, short, help, run] of simple) {
    add({
      name,
      aliases: [`${mod}:${short}`],
      module: mod,
      help,
      recipes: [[...KEY]],
      handler: (p) => {
        if (!run(ready(holder), keyOf(p))) throw NO_SUCH();
        return "OK";
      },
    });
  }
  add({
    name: "reg_upsert",
    aliases: [`${mod}:upsert`],
    module: mod,
    help: "adds or replaces a record in memory (all 12 fields; strings may be empty)",
    recipes: [UPSERT],
    handler: (p) => {
      const opt = (n: string) => {
        const v = p.string(n);
        return v === "" ? null : v;
      };
      const row: RegistrantRow = {
        aor: p.string("aor"),
        binding_URI: p.string("contact"),
        registrar: p.string("registrar"),
        proxy: opt("proxy"),
        third_party_registrant: opt("third_party_registrant"),
        username: opt("username"),
        password: opt("password"),
        binding_params: opt("binding_params"),
        expiry: p.int("expiry"),
        forced_socket: opt("forced_socket"),
        cluster_shtag: opt("cluster_shtag"),
        state: p.int("state"),
      };
      try {
        ready(holder).upsert(row);
      } catch (e) {
        if (e instanceof MiError) throw e;
        // The validation message names the key and the column, never the password.
        throw MiError.command(503, "Failed Upsert", e instanceof Error ? e.message : undefined);
      }
      return "OK";
    },
  });
  add({
    name: "reg_stats",
    aliases: [`${mod}:stats`],
    module: mod,
    help: "records per state, and the engine's counters (uacreg addition)",
    recipes: [[]],
    handler: () => {
      const engine = holder.engine();
      return { States: engine ? engine.stats() : {}, Counters: engine ? engine.counters() : {} };
    },
  });
}
