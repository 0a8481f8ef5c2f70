/**
 * `tm:` — the transaction timers in OpenSIPS tm names (docs/opensips-behaviour.md §1): `T1_timer`, `T2_timer` (ms),
 * `fr_timeout` (s). Whole numbers here; the rule between them (T2 ≥ T1) is the transport's `transactionTimers`.
 */
import { transactionTimers } from "@uacreg/transport";
import { DEFAULT_TM } from "./config-defaults.js";
import { ConfigError } from "./config-error.js";
import type { TmSection } from "./config-schema.js";
import { readInteger, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

export function readTm(t: YamlMapping): TmSection {
  refuseUnknownKeys(t, ["fr_timeout", "T1_timer", "T2_timer"], "tm.");
  const tm: TmSection = {
    fr_timeout: readInteger(t, "fr_timeout", "tm.", DEFAULT_TM.fr_timeout, (n) =>
      n < 1 ? "must be at least 1 second" : undefined,
    ),
    T1_timer: readInteger(t, "T1_timer", "tm.", DEFAULT_TM.T1_timer, (n) =>
      n < 1 ? "must be at least 1 ms" : undefined,
    ),
    T2_timer: readInteger(t, "T2_timer", "tm.", DEFAULT_TM.T2_timer, (n) =>
      n < 1 ? "must be at least 1 ms" : undefined,
    ),
  };
  try {
    transactionTimers({ t1Ms: tm.T1_timer, t2Ms: tm.T2_timer, frTimeoutS: tm.fr_timeout });
  } catch (e) {
    // Every value is a positive integer by now: what is left is the transport's T2 ≥ T1 rule.
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError("tm.T2_timer", tm.T2_timer, `must be >= T1_timer (${e.message})`);
  }
  return tm;
}
