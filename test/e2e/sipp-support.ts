/**
 * Shared by the sipp-*.test.ts files: start SIPp and the daemon robustly when many run at once, and read what SIPp
 * logged the way the assertions need it.
 */
import type { TestContext } from "vitest";
import { type Sipp, type SippLoggedMessage, type SippOptions, startSipp } from "../support/sipp.js";
import { type Uacregd, type UacregdOptions, startUacregd } from "../support/uacregd.js";

/** The test's context (concurrent tests need their own): on failure, what SIPp and the daemon logged is printed. */
export type Diagnose = Pick<TestContext, "onTestFailed">;

/** startSipp (which waits for all of SIPp's sockets and retries a SIPp that could not bind), plus diagnostics. */
export async function startRegistrar(opts: SippOptions, t?: Diagnose): Promise<Sipp> {
  const sipp = await startSipp(opts);
  // On failure, print what this SIPp saw (its log is gone once it is stopped).
  t?.onTestFailed(() => {
    const lines = sipp
      .messages()
      .map(
        (m) => `  ${new Date(m.time).toISOString()} ${m.direction}${m.deadCall ? " (dead call)" : ""} ${m.startLine}`,
      );
    console.log(`SIPp ${opts.scenario} on ${sipp.port}:\n${lines.join("\n")}\n${sipp.stderr.slice(-2000)}`);
  });
  return sipp;
}

/** startUacregd (which starts the daemon again when its free ports were taken before it bound them), plus diagnostics. */
export async function startDaemon(opts: UacregdOptions, t?: Diagnose): Promise<Uacregd> {
  const d = await startUacregd(opts);
  t?.onTestFailed(() => {
    console.log(`uacregd (SIP port ${d.sipPort}) last log lines:\n${d.logs().slice(-60).join("\n")}`);
  });
  return d;
}

/** The REGISTERs SIPp received, in order, without retransmissions or dead-call copies. */
export function registers(msgs: SippLoggedMessage[]): SippLoggedMessage[] {
  const seen = new Set<string>();
  return msgs.filter((m) => {
    if (m.direction !== "received" || m.method !== "REGISTER" || m.deadCall) return false;
    const key = `${m.header("Via")}|${m.header("CSeq")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Header names of a logged message, in wire order, lower-cased. */
export function headerNames(m: SippLoggedMessage): string[] {
  const head = m.text.split("\r\n\r\n")[0] ?? "";
  return head
    .split("\r\n")
    .slice(1)
    .map((l) => l.slice(0, l.indexOf(":")).trim().toLowerCase());
}

export function cseq(m: SippLoggedMessage): number {
  return Number.parseInt(m.header("CSeq") ?? "", 10);
}

export function fromTag(m: SippLoggedMessage): string | undefined {
  return /;tag=([^;\s]+)/.exec(m.header("From") ?? "")?.[1];
}

/** The responses SIPp sent. */
export function sentResponses(msgs: SippLoggedMessage[]): SippLoggedMessage[] {
  return msgs.filter((m) => m.direction === "sent" && m.status !== undefined);
}

export function sentStatuses(msgs: SippLoggedMessage[]): number[] {
  return sentResponses(msgs).map((m) => m.status as number);
}

/** A reg_list time (ctime, the daemon runs with TZ=UTC: "Thu Nov 26 07:45:08 2026") in epoch ms. */
export function ctimeMs(s: string): number {
  return Date.parse(`${s} UTC`);
}

/** registration_t_out − last_register_sent of a reg_list record, in seconds. */
export function backoffS(rec: { registration_t_out: string; last_register_sent: string }): number {
  return (ctimeMs(rec.registration_t_out) - ctimeMs(rec.last_register_sent)) / 1000;
}

/** Polls `probe` every 100 ms until it returns a value. */
export async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Timing slack: OpenSIPS bucket visits drift by up to 0.9 s (docs/captures/README.md). */
export const SLACK_S = 1;

/**
 * Bound for a request that must leave "at once" (on the reply or MI command that causes it) rather than at a timer
 * visit: half the timer_interval (10 s) the harness configures. A loaded machine stays far below it; a daemon that
 * waits for the next visit does not.
 */
export const AT_ONCE_MS = 5_000;
