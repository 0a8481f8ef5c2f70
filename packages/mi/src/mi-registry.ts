/**
 * The MI command table and the dispatcher: one JSON-RPC request in, the exact reply bytes (or no reply) out
 * (docs/mi-protocol.md §1–§3). Transport-free: the HTTP and FIFO servers both call {@link MiRegistry.handleBytes} /
 * {@link MiRegistry.handleValue}.
 */
import { chooseRecipe, type MiRecipe } from "./command-recipe.js";
import { parseMiRequest, type MiRequestParams } from "./json-rpc-request.js";
import { hasSlicedArray, resultSlices } from "./json-reply-slices.js";
import { type MiId, serializeError, serializeResult } from "./json-rpc-reply.js";
import { parseFirstJsonValue } from "./json-value-scanner.js";
import { MiError } from "./mi-error.js";
import { type Logger, SILENT_LOGGER } from "@uacreg/runtime";
import { MiParams } from "./mi-params.js";
import { MiSlicedArray } from "./mi-sliced-array.js";

/** Which front end a request came through (for handlers and logs). */
export type MiTransport = "http" | "fifo" | "direct";

/** What a handler knows about the call besides its params. */
export interface MiCallContext {
  /** The command's primary (flat) name, e.g. `reg_list`. */
  readonly command: string;
  /** The name the client used: the primary name or an alias such as `uac_registrant:list`. */
  readonly method: string;
  readonly transport: MiTransport;
  /** True for a JSON-RPC notification: the result is thrown away. */
  readonly notification: boolean;
}

/**
 * A handler returns the JSON `result` (often the string "OK") or throws an {@link MiError}. Returning null/undefined,
 * or throwing anything else, gives -32000 `Command handler returned null` (the OpenSIPS reply for a failed handler).
 */
export type MiHandler = (params: MiParams, context: MiCallContext) => unknown;

/** A command definition. */
export interface MiCommand {
  /** The flat (OpenSIPS ≤ 3.6) name, e.g. `reg_list`; always listed by `which`. */
  readonly name: string;
  /** Other names, e.g. the 4.x canonical `uac_registrant:list`. */
  readonly aliases?: readonly string[];
  /** The module that exports it (`core`, `uac_registrant`); shown by `help`. */
  readonly module?: string;
  /** One-line description shown by `help`. */
  readonly help?: string;
  /** The recipes, in order (docs/mi-protocol.md §2). At least one; `[[]]` for a command without params. */
  readonly recipes: readonly MiRecipe[];
  /** Refuse positional params (`Command only supports named parameters`). */
  readonly namedOnly?: boolean;
  readonly handler: MiHandler;
}

/** What a front end must do with a request. */
export type MiOutcome = { readonly kind: "reply"; readonly body: string } | { readonly kind: "none" };

/**
 * What a front end must do with a request, the reply as text slices to write one after the other (their
 * concatenation is the reply of {@link MiOutcome}): a large result is made and printed slice by slice.
 */
export type MiSlicedOutcome =
  | {
      readonly kind: "reply";
      readonly slices: Iterable<string>;
      /**
       * The slices are made as they are read (a {@link MiSlicedArray} result): a front end takes a turn of its
       * reply pacer (reply-pacer.ts) before making each, so that concurrent large replies make one slice per
       * event-loop pass.
       */
      readonly lazy: boolean;
    }
  | { readonly kind: "none" };

/** A request dispatched: no reply, an error reply, or a result still to print. */
type Answer =
  | { readonly kind: "none" }
  | { readonly kind: "error"; readonly body: string }
  | { readonly kind: "result"; readonly id: MiId; readonly method: string; readonly result: unknown };

/** Registration problems (a programming error in the daemon, never a client error). */
export class MiRegistryError extends Error {
  override readonly name = "MiRegistryError";
}

/** Options of {@link MiRegistry}. */
export interface MiRegistryOptions {
  /**
   * What `which` lists. `"all"` (default): every flat name, then every alias, so both `opensips-cli -x mi reg_list`
   * and `-x mi uac_registrant:list` pass opensips-cli's `which` check. `"flat"`: primary names only (OpenSIPS 3.x).
   */
  readonly whichLists?: "all" | "flat";
  /** Resolve a bare short name (`list`) to the one alias ending in `:list`, as OpenSIPS 4.x does. Default true. */
  readonly resolveShortNames?: boolean;
  readonly logger?: Logger;
}

/** The `help` text when no command is named (OpenSIPS-like wording). */
export const HELP_USAGE = "Please use 'help -- <mi_cmd>' to get help for a specific command";

/**
 * The command table. `which` and `help` (module `core`, aliases `core:which`, `core:help`) are registered by the
 * constructor.
 */
export class MiRegistry {
  readonly #commands: MiCommand[] = [];
  readonly #byName = new Map<string, MiCommand>();
  readonly #whichLists: "all" | "flat";
  readonly #resolveShortNames: boolean;
  readonly #logger: Logger;

  constructor(options: MiRegistryOptions = {}) {
    this.#whichLists = options.whichLists ?? "all";
    this.#resolveShortNames = options.resolveShortNames ?? true;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.register({
      name: "which",
      aliases: ["core:which"],
      module: "core",
      help: "lists all available MI commands, or the parameter recipes of one",
      recipes: [[], ["command"]],
      handler: (params) => this.#which(params),
    });
    this.register({
      name: "help",
      aliases: ["core:help"],
      module: "core",
      help: "prints information about MI commands usage",
      recipes: [[], ["mi_cmd"]],
      handler: (params) => this.#help(params),
    });
  }

  /** Adds a command. Throws {@link MiRegistryError} on a name already taken or a malformed recipe list. */
  register(command: MiCommand): void {
    const names = [command.name, ...(command.aliases ?? [])];
    for (const name of names) {
      if (name.length === 0) throw new MiRegistryError("empty MI command name");
      if (this.#byName.has(name) || names.indexOf(name) !== names.lastIndexOf(name)) {
        throw new MiRegistryError(`MI command name already registered: ${name}`);
      }
    }
    if (command.recipes.length === 0) throw new MiRegistryError(`MI command ${command.name} has no recipe`);
    for (const recipe of command.recipes) {
      if (new Set(recipe).size !== recipe.length) {
        throw new MiRegistryError(`MI command ${command.name}: duplicate name in recipe [${recipe.join(", ")}]`);
      }
    }
    this.#commands.push(command);
    for (const name of names) this.#byName.set(name, command);
  }

  /** The names `which` lists, in registration order (flat names first, then aliases when `whichLists` is "all"). */
  names(): string[] {
    const flat = this.#commands.map((c) => c.name);
    if (this.#whichLists === "flat") return flat;
    return [...flat, ...this.#commands.flatMap((c) => c.aliases ?? [])];
  }

  /** Resolves a method name; throws -32601, or -32001 for a short name shared by several modules. */
  #resolve(method: string): MiCommand {
    const exact = this.#byName.get(method);
    if (exact) return exact;
    if (this.#resolveShortNames && !method.includes(":")) {
      const matches = [...this.#byName.keys()].filter((n) => n.endsWith(`:${method}`));
      const [only] = matches;
      if (matches.length === 1 && only !== undefined) return this.#byName.get(only) as MiCommand;
      if (matches.length > 1) throw new MiError(-32001, "Method ambiguous", `supported names: ${matches.join(", ")}`);
    }
    throw MiError.methodNotFound();
  }

  /**
   * Runs a command directly (no JSON-RPC envelope) and returns its result; throws {@link MiError} exactly as the
   * reply would carry it. Useful for tests and for in-process callers.
   */
  async call(method: string, params?: MiRequestParams, transport: MiTransport = "direct"): Promise<unknown> {
    return whole(await this.#run(method, normalizeParams(params), transport, false));
  }

  async #run(method: string, params: MiRequestParams, transport: MiTransport, notification: boolean): Promise<unknown> {
    const command = this.#resolve(method);
    const match = chooseRecipe(command.recipes, params, command.namedOnly);
    const context: MiCallContext = { command: command.name, method, transport, notification };
    let result: unknown;
    try {
      result = await command.handler(new MiParams(match.recipe, match.values), context);
    } catch (err) {
      if (err instanceof MiError) throw err;
      this.#logger.error({ err, command: command.name }, "MI command handler failed");
      throw MiError.handlerFailed();
    }
    if (result === undefined || result === null) throw MiError.handlerFailed();
    return result;
  }

  /**
   * Handles one decoded JSON value (docs/mi-protocol.md §1–§3). Never throws. `none` means: no reply (a notification;
   * over HTTP 202, over the FIFO an empty reply).
   */
  async handleValue(value: unknown, transport: MiTransport): Promise<MiOutcome> {
    const answer = await this.#answer(value, transport);
    if (answer.kind !== "result") return answer.kind === "none" ? answer : { kind: "reply", body: answer.body };
    const body = serializeResult(answer.id, answer.result);
    return { kind: "reply", body: body ?? this.#unprintable(answer) };
  }

  /**
   * {@link handleValue} for a front end that writes the reply in slices: the same bytes, a large result (a
   * {@link MiSlicedArray}) made and printed one slice at a time as the front end asks for the next. Never throws.
   */
  async handleValueInSlices(value: unknown, transport: MiTransport): Promise<MiSlicedOutcome> {
    const answer = await this.#answer(value, transport);
    if (answer.kind === "none") return answer;
    if (answer.kind === "error") return { kind: "reply", slices: [answer.body], lazy: false };
    const slices = resultSlices(answer.id, answer.result);
    if (slices === undefined) return { kind: "reply", slices: [this.#unprintable(answer)], lazy: false };
    return { kind: "reply", slices, lazy: hasSlicedArray(answer.result) };
  }

  async #answer(value: unknown, transport: MiTransport): Promise<Answer> {
    const request = parseMiRequest(value);
    if ("invalid" in request) return { kind: "error", body: serializeError(request.id, request.error) };
    let result: unknown;
    try {
      result = await this.#run(request.method, request.params, transport, request.notification);
    } catch (err) {
      if (request.notification) return { kind: "none" };
      const error = err instanceof MiError ? err : MiError.handlerFailed();
      return { kind: "error", body: serializeError(request.id, error) };
    }
    if (request.notification) return { kind: "none" };
    return { kind: "result", id: request.id, method: request.method, result };
  }

  #unprintable(answer: { readonly id: MiId; readonly method: string }): string {
    this.#logger.error({ method: answer.method }, "MI result is not printable as JSON");
    return serializeError(answer.id, MiError.handlerFailed());
  }

  /**
   * Handles a whole request body (HTTP): only the first JSON value counts, trailing bytes are ignored; input that is
   * not JSON gets -32700 with id null. Never throws.
   */
  async handleBytes(input: Uint8Array | string, transport: MiTransport): Promise<MiOutcome> {
    const parsed = parseBody(input);
    if (parsed.status !== "complete") return { kind: "reply", body: serializeError(null, MiError.parseError()) };
    return this.handleValue(parsed.value, transport);
  }

  /** {@link handleBytes} with the reply in slices, as {@link handleValueInSlices}. Never throws. */
  async handleBytesInSlices(input: Uint8Array | string, transport: MiTransport): Promise<MiSlicedOutcome> {
    const parsed = parseBody(input);
    if (parsed.status !== "complete") {
      return { kind: "reply", slices: [serializeError(null, MiError.parseError())], lazy: false };
    }
    return this.handleValueInSlices(parsed.value, transport);
  }

  #which(params: MiParams): unknown {
    if (!params.has("command")) return this.names();
    const name = params.string("command");
    if (this.#resolveShortNames && name.endsWith(":") && name.length > 1) {
      const listed = this.names().filter((n) => n.startsWith(name));
      if (listed.length > 0) return listed;
    }
    const command = this.#byName.get(name);
    if (!command) throw MiError.command(404, "unknown MI command");
    return command.recipes.map((r) => [...r]);
  }

  #help(params: MiParams): unknown {
    if (!params.has("mi_cmd")) return HELP_USAGE;
    const command = this.#byName.get(params.string("mi_cmd"));
    if (!command) throw MiError.command(404, "unknown MI command");
    const out: Record<string, unknown> = { Help: command.help ?? "" };
    if (command.module) out["Exported by"] = command.module;
    out.Recipes = command.recipes.map((r) => [...r]);
    return out;
  }
}

function normalizeParams(params: MiRequestParams): MiRequestParams {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) return params.length === 0 ? undefined : params;
  return Object.keys(params).length === 0 ? undefined : params;
}

function parseBody(input: Uint8Array | string): ReturnType<typeof parseFirstJsonValue> {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  return parseFirstJsonValue(bytes, 0, true);
}

/** A result with its sliced arrays made whole, for in-process callers. */
function whole(value: unknown): unknown {
  if (value instanceof MiSlicedArray) return value.toJSON();
  if (!hasSlicedArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, whole(v)]));
}
