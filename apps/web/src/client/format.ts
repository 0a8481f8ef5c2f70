/** How the page writes states, durations, countdowns and numbers: pure functions, unit-tested. */
import { FAILURE_STATES, type LastReply, type StateName } from "./types.js";

/** "REGISTERED_STATE" → "REGISTERED": the name reg_list and the logs use, without the suffix. */
export function stateLabel(state: string): string {
  return state.replace(/_STATE$/, "");
}

/** The look of a state: ok (registered), bad (a failure state), busy (in a transaction), idle (not registered). */
export type StateTone = "ok" | "bad" | "busy" | "idle";

export function stateTone(state: string): StateTone {
  if (state === "REGISTERED_STATE") return "ok";
  if ((FAILURE_STATES as readonly string[]).includes(state)) return "bad";
  if (state === "NOT_REGISTERED_STATE") return "idle";
  return "busy";
}

/** A symbol that goes with the colour, so the colour is never the only signal. */
export function stateSymbol(state: string): string {
  return { ok: "✓", bad: "✗", busy: "…", idle: "–" }[stateTone(state)];
}

export function isFailure(state: string): state is StateName {
  return (FAILURE_STATES as readonly string[]).includes(state);
}

/** A duration in seconds as an operator reads it: "45s", "3m 05s", "2h 07m", "3d 4h". Negative counts as 0. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Time spent in the current state, or "—" when the time of entering it is unknown. */
export function formatSince(since: number | null, now: number): string {
  return since === null ? "—" : formatDuration(now - since);
}

/** The expiry countdown: "in 3m 05s", "expired" once past, "—" when not registered. */
export function formatExpiry(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return "—";
  const left = expiresAt - now;
  return left <= 0 ? "expired" : `in ${formatDuration(left)}`;
}

/** "401 Unauthorized", "timeout" (no code), or "—" when nothing was sent yet. */
export function formatReply(reply: LastReply | null): string {
  if (reply === null) return "—";
  if (reply.code === null) return reply.reason || "—";
  return `${reply.code} ${reply.reason}`.trim();
}

/** 12345 → "12,345" (fixed locale, so tests and screenshots read the same everywhere). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** 0.9823 → "98.2 %"; null (nothing tried in the window) → "—". */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? "—" : `${(Math.round(ratio * 1000) / 10).toFixed(1)} %`;
}

/** Lag in ms: "0.8 ms", "12 ms", "1.2 s". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A unix time as "2026-12-06 11:31:18 UTC" (the daemon's logs and MI use UTC too). */
export function formatTime(at: number): string {
  return `${new Date(at * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}
