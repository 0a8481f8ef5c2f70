/**
 * opensips-cli's mapping of command-line arguments to MI params (docs/mi-protocol.md §6): if every argument looks like
 * `name=value` (name matching `^[a-zA-Z._-]+=`), they become a named object of strings; otherwise a positional array
 * of strings. With `-j`, each value is JSON-decoded where it can be. No arguments give `{}`, as opensips-cli sends.
 */

const NAMED = /^[a-zA-Z._-]+=/;

/** Decodes `value` as JSON when `json` is set and it parses; otherwise keeps the string. */
function decode(value: string, json: boolean): unknown {
  if (!json) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Builds the `params` member of the request from the arguments after the command name. */
export function miParamsFromArgs(args: readonly string[], json = false): unknown[] | Record<string, unknown> {
  if (args.every((a) => NAMED.test(a))) {
    const named: Record<string, unknown> = {};
    for (const arg of args) {
      const eq = arg.indexOf("=");
      named[arg.slice(0, eq)] = decode(arg.slice(eq + 1), json);
    }
    return named;
  }
  return args.map((a) => decode(a, json));
}
