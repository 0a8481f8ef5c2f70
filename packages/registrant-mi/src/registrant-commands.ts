/**
 * The uac_registrant MI commands (docs/opensips-behaviour.md §9, docs/decisions.md): each under its 3.x flat name and
 * its 4.x `uac_registrant:` alias, with OpenSIPS's recipes, reply shapes and error codes. `reg_stats` is ours.
 */
import type { RegistrantKey, RegistrantRow } from "@uacreg/core";
import { type MiCommand, MiError, type MiParams, type MiRegistry, MiSlicedArray, type MiTransport } from "@uacreg/mi";
import { regListRecord } from "./reg-list-record.js";
import type { RegistrantService, RegistrantServiceSource } from "./registrant-service.js";

/** The module name `help` shows and the prefix of the 4.x aliases. */
export const REGISTRANT_MODULE = "uac_registrant";

/** The recipe that names one record. */
export const KEY_RECIPE = ["aor", "contact", "registrar"] as const;

/** The one recipe of `reg_upsert`: the twelve columns, in OpenSIPS's order. */
export const UPSERT_RECIPE = [
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
] as const;

/** What an observer learns of one call besides its name and outcome (the daemon logs the calls that change something). */
export interface MiCallReport {
  /** True for the commands that change a record or the table: every one but `reg_list` and `reg_stats`. */
  readonly changes: boolean;
  /** The record the call named (aor, contact, registrar), when it named one. Never the username or password. */
  readonly key?: RegistrantKey;
  /** The error the call answered, when it failed (-32000 for a handler that threw something else). */
  readonly error?: { readonly code: number; readonly message: string };
  /** The front end the call came through. */
  readonly transport: MiTransport;
}

/**
 * Called once per call of a registrant command with its flat name, "ok" or "error" (metrics), and the
 * {@link MiCallReport} (logs).
 */
export type MiObserver = (command: string, outcome: "ok" | "error", call: MiCallReport) => void;

/** The commands that change a record or the table (the rest only read). */
const CHANGING_COMMANDS: ReadonlySet<string> = new Set([
  "reg_reload",
  "reg_enable",
  "reg_disable",
  "reg_force_register",
  "reg_delete",
  "reg_upsert",
]);

/** Options of {@link registerRegistrantCommands}. */
export interface RegistrantCommandsOptions {
  /** Told the outcome of every call. */
  readonly observe?: MiObserver;
  /** `reg_list` times in UTC instead of the server's local time (OpenSIPS prints local time). */
  readonly utc?: boolean;
}

/** 404 for a key with no record. */
const noSuchRegistrant = (): MiError => MiError.command(404, "No such registrant");

function keyOf(p: MiParams): RegistrantKey {
  return { aor: p.string("aor"), contact: p.string("contact"), registrar: p.string("registrar") };
}

/** Registers `reg_list`, `reg_reload`, `reg_enable`, `reg_disable`, `reg_force_register`, `reg_delete`, `reg_upsert` and `reg_stats`. */
export function registerRegistrantCommands(
  registry: MiRegistry,
  source: RegistrantServiceSource,
  options: RegistrantCommandsOptions = {},
): void {
  const current = typeof source === "function" ? source : () => source;
  const ready = (): RegistrantService => {
    const service = current();
    if (!service) throw MiError.command(503, "Registrant records not loaded yet (database unreachable)");
    return service;
  };
  const utc = options.utc ?? false;
  const add = (command: MiCommand): void => registry.register(observed(command, options.observe));
  const mod = REGISTRANT_MODULE;

  add({
    name: "reg_list",
    aliases: [`${mod}:list`],
    module: mod,
    help: "lists all registrant records, or the one given by aor, contact, registrar",
    recipes: [[], [...KEY_RECIPE]],
    handler: (p) => {
      const service = current();
      if (!p.has("aor")) {
        // Made record by record as the reply is written (100,000 records are 31.6 MB of JSON): the snapshot holds
        // references, each view and record is made when its slice is.
        const records = service?.snapshot();
        if (!records) return { Records: [] };
        return { Records: new MiSlicedArray(records.length, (i) => regListRecord(records.view(i), utc)) };
      }
      const view = service?.get(keyOf(p));
      if (!view) throw noSuchRegistrant();
      return { Registrant: regListRecord(view, utc) };
    },
  });
  add({
    name: "reg_reload",
    aliases: [`${mod}:reload`],
    module: mod,
    help: "reloads all records from the database, or the one given by aor, contact, registrar",
    recipes: [[], [...KEY_RECIPE]],
    handler: async (p) => {
      const service = ready();
      if (!p.has("aor")) {
        await service.reload();
        return "OK";
      }
      if ((await service.reloadOne(keyOf(p))) === "not-found") {
        throw MiError.command(404, "No such registrant in database");
      }
      return "OK";
    },
  });
  const byKey: ReadonlyArray<readonly [string, string, string, (s: RegistrantService, k: RegistrantKey) => boolean]> = [
    ["reg_enable", "enable", "enables a record (REGISTER at once if not registered)", (s, k) => s.enable(k)],
    ["reg_disable", "disable", "disables a record (unREGISTER if registered)", (s, k) => s.disable(k)],
    [
      "reg_force_register",
      "force_register",
      "re-registers a record on the next visit of its bucket",
      (s, k) => s.forceRegister(k),
    ],
    ["reg_delete", "delete", "unregisters and removes a record from memory", (s, k) => s.delete(k)],
  ];
  for (const [name, short, help, run] of byKey) {
    add({
      name,
      aliases: [`${mod}:${short}`],
      module: mod,
      help,
      recipes: [[...KEY_RECIPE]],
      handler: (p) => {
        if (!run(ready(), keyOf(p))) throw noSuchRegistrant();
        return "OK";
      },
    });
  }
  add({
    name: "reg_upsert",
    aliases: [`${mod}:upsert`],
    module: mod,
    help: "adds or replaces a record in memory (all 12 fields; strings may be empty)",
    recipes: [[...UPSERT_RECIPE]],
    handler: (p) => {
      const row = upsertRow(p);
      try {
        ready().upsert(row);
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
      const service = current();
      return { States: service ? service.stats() : {}, Counters: service ? service.counters() : {} };
    },
  });
}

/** The row of a `reg_upsert`: an empty string is NULL for the optional columns (docs/opensips-behaviour.md §9). */
function upsertRow(p: MiParams): RegistrantRow {
  const optional = (name: string): string | null => {
    const v = p.string(name);
    return v === "" ? null : v;
  };
  return {
    aor: p.string("aor"),
    binding_URI: p.string("contact"),
    registrar: p.string("registrar"),
    proxy: optional("proxy"),
    third_party_registrant: optional("third_party_registrant"),
    username: optional("username"),
    password: optional("password"),
    binding_params: optional("binding_params"),
    expiry: p.int("expiry"),
    forced_socket: optional("forced_socket"),
    cluster_shtag: optional("cluster_shtag"),
    state: p.int("state"),
  };
}

/** The command with its handler's outcome reported to `observe` (unchanged without one). */
function observed(command: MiCommand, observe: MiObserver | undefined): MiCommand {
  if (!observe) return command;
  const handler = command.handler;
  const changes = CHANGING_COMMANDS.has(command.name);
  const report = (p: MiParams, transport: MiTransport, error?: MiCallReport["error"]): MiCallReport => {
    let key: RegistrantKey | undefined;
    try {
      key = p.has("aor") ? keyOf(p) : undefined;
    } catch {
      key = undefined;
    }
    return { changes, transport, ...(key ? { key } : {}), ...(error ? { error } : {}) };
  };
  return {
    ...command,
    handler: async (p, ctx) => {
      try {
        const result = await handler(p, ctx);
        observe(command.name, "ok", report(p, ctx.transport));
        return result;
      } catch (e) {
        const error = e instanceof MiError ? { code: e.code, message: e.message } : { code: -32000, message: "failed" };
        observe(command.name, "error", report(p, ctx.transport, error));
        throw e;
      }
    },
  };
}
