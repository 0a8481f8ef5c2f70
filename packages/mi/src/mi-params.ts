/**
 * The parameters a command handler receives, with OpenSIPS's typed getters (`get_mi_string_param`,
 * `get_mi_int_param`, `get_mi_array_param`; docs/mi-protocol.md §2).
 */
import type { MiRecipe } from "./command-recipe.js";
import { MiError } from "./mi-error.js";

const INTEGER_STRING = /^[+-]?[0-9]+$/;

/** A finite number printed as a decimal integer, never in exponent form (1e21 → "1000000000000000000000"). */
function decimalInteger(n: number): string {
  return BigInt(Math.trunc(n)).toString();
}

/** The values bound to the chosen recipe's names. */
export class MiParams {
  readonly recipe: MiRecipe;
  readonly #values: ReadonlyMap<string, unknown>;

  constructor(recipe: MiRecipe, values: ReadonlyMap<string, unknown>) {
    this.recipe = recipe;
    this.#values = values;
  }

  /** True when the chosen recipe has this name (the value itself may be any JSON). */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The raw JSON value, undefined when the recipe has no such name. */
  raw(name: string): unknown {
    return this.#values.get(name);
  }

  #present(name: string): unknown {
    if (!this.#values.has(name)) throw MiError.failedToHandleParameter();
    return this.#values.get(name);
  }

  /**
   * A string parameter: a JSON string, or a number printed as a decimal integer (`"aor":5` gives "5", observed).
   * null, bool, array, object → -32602 `Bad type for parameter '<name>'`; a name outside the recipe → -32000
   * `Failed to handle parameter`.
   */
  string(name: string): string {
    const v = this.#present(name);
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isFinite(v)) return decimalInteger(v);
    throw MiError.badParamType(name);
  }

  /** An int parameter: a JSON number (truncated), or a string holding an integer; otherwise `Bad type …`. */
  int(name: string): number {
    const v = this.#present(name);
    if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v) || 0;
    if (typeof v === "string" && INTEGER_STRING.test(v)) {
      const n = Number.parseInt(v, 10);
      if (Number.isSafeInteger(n)) return n;
    }
    throw MiError.badParamType(name);
  }

  /** An array-of-strings parameter (items may be numbers, printed as integers). */
  stringArray(name: string): string[] {
    const v = this.#present(name);
    if (!Array.isArray(v)) throw MiError.badParamType(name);
    if (v.length === 0) throw MiError.emptyArray(name);
    return v.map((item: unknown) => {
      if (typeof item === "string") return item;
      if (typeof item === "number" && Number.isFinite(item)) return decimalInteger(item);
      throw MiError.badArrayItemType(name);
    });
  }

  /** {@link string} when the recipe has the name, else undefined. */
  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  /** {@link int} when the recipe has the name, else undefined. */
  optionalInt(name: string): number | undefined {
    return this.has(name) ? this.int(name) : undefined;
  }
}
