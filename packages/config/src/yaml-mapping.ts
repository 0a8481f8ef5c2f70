/**
 * Typed reads from one YAML mapping: each reader returns the default when the key is absent and throws a
 * {@link ConfigError} naming the full key (`prefix + key`) and the value when it has the wrong type.
 */
import { ConfigError } from "./config-error.js";

export type YamlMapping = Record<string, unknown>;

export function isMapping(v: unknown): v is YamlMapping {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Refuses a key the schema does not know, listing the known ones. */
export function refuseUnknownKeys(obj: YamlMapping, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(prefix + k, obj[k], `unknown key (known: ${allowed.join(", ")})`);
  }
}

/** An integer (a string of digits is taken too, as OpenSIPS modparams are often quoted); `check` adds a rule. */
export function readInteger(
  obj: YamlMapping,
  key: string,
  prefix: string,
  def: number,
  check?: (n: number) => string | undefined,
): number {
  const v = obj[key];
  if (v === undefined) return def;
  const n = typeof v === "string" && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new ConfigError(prefix + key, v, "must be an integer");
  const problem = check?.(n);
  if (problem) throw new ConfigError(prefix + key, v, problem);
  return n;
}

export function readString(obj: YamlMapping, key: string, prefix: string, def: string, nonEmpty = true): string {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v !== "string") throw new ConfigError(prefix + key, v, "must be a string");
  if (nonEmpty && v.trim() === "") throw new ConfigError(prefix + key, v, "must not be empty");
  return v;
}

/** true/false, or 0/1 as OpenSIPS writes booleans. */
export function readBoolean(obj: YamlMapping, key: string, prefix: string, def: boolean): boolean {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  throw new ConfigError(prefix + key, v, "must be true/false (or 0/1)");
}

/** A nested mapping: `undefined` when absent (defaults apply), `null` when written as null (turned off). */
export function readSection(obj: YamlMapping, key: string, prefix = ""): YamlMapping | null | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!isMapping(v)) throw new ConfigError(prefix + key, v, "must be a mapping (or null)");
  return v;
}
