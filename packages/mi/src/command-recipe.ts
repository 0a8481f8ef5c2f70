/**
 * Choosing a command's recipe from the request's params, as OpenSIPS's `get_cmd_recipe` does (docs/mi-protocol.md §2).
 */
import type { MiRequestParams } from "./json-rpc-request.js";
import { MiError, MiErrorData } from "./mi-error.js";

/** An ordered list of parameter names. A command has one or more. */
export type MiRecipe = readonly string[];

/** The chosen recipe and the value bound to each of its names. */
export interface RecipeMatch {
  readonly recipe: MiRecipe;
  readonly values: ReadonlyMap<string, unknown>;
}

/**
 * Picks the recipe (throws {@link MiError} -32602 with the exact OpenSIPS data string):
 * 1. no params: the first recipe with no names, else `Too few or too many parameters`;
 * 2. an array of N (named-only commands refuse it: `Command only supports named parameters`): the one recipe with N
 *    names (two → `Ambiguous call, use named parameters instead`, none → `Too few or too many parameters`);
 * 3. an object with N keys: the first recipe with N names that are all keys (none with N names → `Too few or too many
 *    parameters`; some but no match → `Named parameters do not match`).
 */
export function chooseRecipe(recipes: readonly MiRecipe[], params: MiRequestParams, namedOnly = false): RecipeMatch {
  if (params === undefined) {
    const recipe = recipes.find((r) => r.length === 0);
    if (!recipe) throw MiError.invalidParams(MiErrorData.tooFewOrTooMany);
    return { recipe, values: new Map() };
  }
  if (Array.isArray(params)) {
    if (namedOnly) throw MiError.invalidParams(MiErrorData.namedOnly);
    const list = params as readonly unknown[];
    const candidates = recipes.filter((r) => r.length === list.length);
    if (candidates.length > 1) throw MiError.invalidParams(MiErrorData.ambiguousCall);
    const recipe = candidates[0];
    if (!recipe) throw MiError.invalidParams(MiErrorData.tooFewOrTooMany);
    return { recipe, values: new Map(recipe.map((name, i) => [name, list[i]])) };
  }
  const named = params as Readonly<Record<string, unknown>>;
  const keys = Object.keys(named);
  const candidates = recipes.filter((r) => r.length === keys.length);
  if (candidates.length === 0) throw MiError.invalidParams(MiErrorData.tooFewOrTooMany);
  const recipe = candidates.find((r) => r.every((name) => Object.hasOwn(named, name)));
  if (!recipe) throw MiError.invalidParams(MiErrorData.namedDoNotMatch);
  return { recipe, values: new Map(recipe.map((name) => [name, named[name]])) };
}
