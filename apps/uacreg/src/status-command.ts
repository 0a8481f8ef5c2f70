/**
 * `uacreg status`: the registrations at a glance, over the MI (`reg_stats` and `reg_list`, HTTP or FIFO as
 * configured). First the records per state, then each record that is not registered: its state, what that state
 * says about the last reply, and since when.
 *
 * "Since when" is what `reg_list` gives honestly (docs/opensips-behaviour.md §9): `last_register_sent` is the moment
 * the REGISTER whose outcome set the state went out (the reply came within the transaction time after it), and for
 * the error states `registration_t_out` is RT, the moment of the next attempt (§3). The MI does not carry the reply
 * code itself; the state names it (WRONG_CREDENTIALS: the registrar refused the credentials, REGISTER_TIMEOUT: no
 * reply, REGISTRAR_ERROR: an error reply, INTERNAL_ERROR: could not send). Times are `ctime()` text in the server's
 * time zone, read back in this machine's (the same when run on the daemon's host).
 */
import type { CliIo } from "./cli-io.js";
import { ExitCode } from "./cli-io.js";
import { callMi, type MiEndpoint, miFailureHint, miReplyErrorLine } from "./mi-command.js";
import { MiReplyError } from "@uacreg/mi";
import { ERROR_STATES, stateName } from "@uacreg/core";
import { type Cell, type Paint, renderTable } from "./text-table.js";

/** What each state says about the last REGISTER (docs/opensips-behaviour.md §3, §6). */
const MEANING: Record<string, string> = {
  NOT_REGISTERED_STATE: "not registered yet, or unregistered",
  REGISTERING_STATE: "REGISTER sent, waiting for the reply",
  AUTHENTICATING_STATE: "challenged, REGISTER with credentials sent",
  REGISTERED_STATE: "registered",
  REGISTER_TIMEOUT_STATE: "no reply from the registrar",
  INTERNAL_ERROR_STATE: "could not send (address, socket or DNS)",
  WRONG_CREDENTIALS_STATE: "registrar refused the credentials (401/407 again)",
  REGISTRAR_ERROR_STATE: "registrar answered with an error",
  UNREGISTERING_STATE: "unREGISTER sent",
  AUTHENTICATING_UNREGISTER_STATE: "challenged, unREGISTER with credentials sent",
};

/** The failure states: core's error states (docs/opensips-behaviour.md §6). */
const FAILURE = new Set<string>(ERROR_STATES.map(stateName));

/** One record that is not registered, as `status --json` gives it. */
export interface NotRegistered {
  aor: string;
  binding: string;
  registrar: string;
  state: string;
  enabled: boolean;
  meaning: string;
  /** `last_register_sent` as reg_list gives it; null when no REGISTER was ever sent. */
  last_register_sent: string | null;
  /** Seconds since then, when the time could be read. */
  seconds_since: number | null;
  /** `registration_t_out` (RT): for the error states, when the next attempt is due; null when unset. */
  next_attempt: string | null;
}

/** The status report. */
export interface StatusReport {
  total: number;
  states: Record<string, number>;
  not_registered: NotRegistered[];
}

const EPOCH_YEAR = /\b1970$/;

/** Reads a ctime text (server local time); null for the epoch (never) or text that does not parse. */
export function ctimeSeconds(text: unknown): number | null {
  if (typeof text !== "string" || EPOCH_YEAR.test(text)) return null;
  const ms = Date.parse(text.replace(/\s+/g, " "));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** `95` → `1m 35s`. */
export function formatAge(seconds: number): string {
  if (seconds < 0) return "in the future";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

/** Builds the report from the `reg_stats` and `reg_list` results; `nowSeconds` is the wall clock. */
export function statusReport(stats: unknown, list: unknown, nowSeconds: number): StatusReport {
  const states: Record<string, number> = {};
  const fromStats = (stats as { States?: Record<string, unknown> } | undefined)?.States ?? {};
  for (const [k, v] of Object.entries(fromStats)) if (typeof v === "number") states[k] = v;
  const records = ((list as { Records?: unknown[] } | undefined)?.Records ?? []) as Array<Record<string, unknown>>;
  if (Object.keys(states).length === 0) for (const r of records) states[str(r.state)] = (states[str(r.state)] ?? 0) + 1;
  const notRegistered: NotRegistered[] = [];
  for (const r of records) {
    const state = str(r.state);
    if (state === "REGISTERED_STATE" && r.enabled !== "no") continue;
    const sent = ctimeSeconds(r.last_register_sent);
    const rt = ctimeSeconds(r.registration_t_out);
    notRegistered.push({
      aor: str(r.AOR),
      binding: str(r.binding),
      registrar: str(r.registrar),
      state,
      enabled: r.enabled !== "no",
      meaning: r.enabled === "no" ? `disabled; ${MEANING[state] ?? state}` : (MEANING[state] ?? state),
      last_register_sent: sent === null ? null : str(r.last_register_sent),
      seconds_since: sent === null ? null : Math.max(0, nowSeconds - sent),
      next_attempt: rt === null || !FAILURE.has(state) ? null : str(r.registration_t_out),
    });
  }
  // Failures first, then by AOR.
  notRegistered.sort(
    (a, b) => Number(FAILURE.has(b.state)) - Number(FAILURE.has(a.state)) || a.aor.localeCompare(b.aor),
  );
  const total = Object.values(states).reduce((a, b) => a + b, 0);
  return { total, states, not_registered: notRegistered };
}

function stateStyle(state: string, enabled: boolean, paint: Paint): (s: string) => string {
  if (!enabled) return paint.dim;
  if (state === "REGISTERED_STATE") return paint.good;
  if (FAILURE.has(state)) return paint.bad;
  return paint.warn;
}

/** The report as text for a human. */
export function statusText(report: StatusReport, paint: Paint): string {
  const stateRows: Cell[][] = Object.entries(report.states)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => [{ text: state, style: stateStyle(state, true, paint) }, { text: String(n) }]);
  let out = `${paint.bold(`${report.total} record(s)`)}\n`;
  out += report.total === 0 ? "" : renderTable(["STATE", "RECORDS"], stateRows);
  if (report.not_registered.length === 0) return `${out}\nevery record is registered\n`;
  out += `\n${paint.bold(`${report.not_registered.length} not registered`)}\n`;
  out += renderTable(
    ["AOR", "STATE", "ENABLED", "LAST REGISTER SENT", "NEXT ATTEMPT", "MEANING"],
    report.not_registered.map((r) => [
      { text: r.aor },
      { text: r.state, style: stateStyle(r.state, r.enabled, paint) },
      { text: r.enabled ? "yes" : "no" },
      {
        text:
          r.last_register_sent === null
            ? "never"
            : `${r.last_register_sent}${r.seconds_since === null ? "" : ` (${formatAge(r.seconds_since)} ago)`}`,
      },
      { text: r.next_attempt ?? "-" },
      { text: r.meaning },
    ]),
  );
  return out;
}

/** Runs `uacreg status`. */
export async function runStatus(
  endpoint: MiEndpoint,
  timeoutMs: number,
  format: "json" | "table",
  paint: Paint,
  io: CliIo,
  nowSeconds: () => number,
): Promise<number> {
  let stats: unknown;
  let list: unknown;
  let command = "reg_stats";
  try {
    // reg_stats is uacreg's own; OpenSIPS answers -32601 and the counts come from reg_list.
    stats = await callMi(endpoint, command, undefined, timeoutMs).catch((err: unknown) => {
      if (err instanceof MiReplyError && err.code === -32601) return undefined;
      throw err;
    });
    command = "reg_list";
    list = await callMi(endpoint, command, undefined, timeoutMs);
  } catch (err) {
    if (err instanceof MiReplyError) {
      io.stderr(miReplyErrorLine(err, command));
      return ExitCode.failed;
    }
    const hint = miFailureHint(err, endpoint, command);
    if (hint === undefined) throw err;
    io.stderr(`ERROR: ${hint}\n`);
    return ExitCode.unreachable;
  }
  const report = statusReport(stats, list, nowSeconds());
  io.stdout(format === "json" ? `${JSON.stringify(report, null, 4)}\n` : statusText(report, paint));
  return ExitCode.ok;
}
