/**
 * One MI call, counted and, when it changes something, logged (docs/observability.md "Logs"): every registrant or
 * cluster command call counts in `uacreg_mi_calls_total{command,outcome}`; `reg_enable`, `reg_disable`,
 * `reg_force_register`, `reg_reload`, `reg_delete`, `reg_upsert`, `clusterer_shtag_set_active` and `cluster_drain`
 * also write one `info` line "MI action" with the command, the record's key (aor, contact, registrar) or the tag, the
 * outcome, the error code and message when it failed, and the front end (http, fifo). Never a username or a
 * password: the reports carry neither (registrant-mi's MiCallReport).
 */
import type { ClusterMiCallReport } from "@uacreg/cluster-mi";
import type { MiCallReport } from "@uacreg/registrant-mi";
import type { Logger } from "./logger.js";

/** Where the calls are counted (`DaemonMetrics.miCalls`). */
export interface MiCallCounter {
  inc(labels: { command: string; outcome: string }): void;
}

/** The observer both command sets get: counts every call, logs the ones that change something. */
export function miActionObserver(
  log: Logger,
  calls: MiCallCounter,
): (command: string, outcome: "ok" | "error", call: MiCallReport | ClusterMiCallReport) => void {
  return (command, outcome, call) => {
    calls.inc({ command, outcome });
    if (!call.changes) return;
    const key =
      "key" in call && call.key ? { aor: call.key.aor, contact: call.key.contact, registrar: call.key.registrar } : {};
    const tag = "tag" in call && call.tag !== undefined ? { tag: call.tag } : {};
    const error = call.error ? { code: call.error.code, error: call.error.message } : {};
    log.info({ command, ...key, ...tag, outcome, ...error, via: call.transport }, "MI action");
  };
}
