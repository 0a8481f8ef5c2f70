/** A configuration value that stops start-up. The message names the key and the offending value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly key: string,
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
