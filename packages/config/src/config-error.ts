/**
 * A configuration value that stops start-up. The message names the key and the offending value; a `db_url` reaches
 * it masked, so a password never shows.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    /** The key at fault as written in the YAML, e.g. `registrant.hash_size`, `listen[1]`, or `--config`. */
    readonly key: string,
    /** The refused value (a `db_url` only ever masked). */
    readonly value: unknown,
    reason: string,
  ) {
    super(`config: ${key}: ${reason} (got ${describe(value)})`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
