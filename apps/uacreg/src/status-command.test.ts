import { describe, expect, it } from "vitest";
import { formatCtime } from "@uacreg/mi";
import { ctimeSeconds, formatAge, statusReport, statusText } from "./status-command.js";
import { paintFor } from "./text-table.js";

const NOW = Math.floor(Date.parse("2026-12-06T11:00:00") / 1000);
const at = (secondsAgo: number) => formatCtime(NOW - secondsAgo);

const STATS = {
  States: { REGISTERED_STATE: 1, WRONG_CREDENTIALS_STATE: 1, REGISTER_TIMEOUT_STATE: 1, NOT_REGISTERED_STATE: 1 },
  Counters: {},
};
const record = (aor: string, state: string, extra: Record<string, unknown> = {}) => ({
  AOR: aor,
  expires: 0,
  state,
  enabled: "yes",
  last_register_sent: at(95),
  registration_t_out: formatCtime(NOW + 60),
  registrar: "sip:reg.example.com",
  binding: `${aor.replace("example.com", "192.0.2.1")}`,
  ...extra,
});
const LIST = {
  Records: [
    record("sip:alice@example.com", "REGISTERED_STATE"),
    record("sip:bob@example.com", "WRONG_CREDENTIALS_STATE"),
    record("sip:carol@example.com", "REGISTER_TIMEOUT_STATE", { last_register_sent: at(3 * 3600 + 120) }),
    record("sip:dave@example.com", "NOT_REGISTERED_STATE", {
      enabled: "no",
      last_register_sent: "Thu Jan  1 00:00:00 1970",
      registration_t_out: "Thu Jan  1 00:00:00 1970",
    }),
  ],
};

describe("uacreg status", () => {
  it("counts per state and lists what is not registered, failures first, with since-when from reg_list", () => {
    const r = statusReport(STATS, LIST, NOW);
    expect(r.total).toBe(4);
    expect(r.not_registered.map((x) => [x.aor, x.state, x.enabled, x.seconds_since])).toEqual([
      ["sip:bob@example.com", "WRONG_CREDENTIALS_STATE", true, 95],
      ["sip:carol@example.com", "REGISTER_TIMEOUT_STATE", true, 3 * 3600 + 120],
      ["sip:dave@example.com", "NOT_REGISTERED_STATE", false, null],
    ]);
    expect(r.not_registered[0]?.meaning).toContain("refused the credentials");
    expect(r.not_registered[0]?.next_attempt).toBe(formatCtime(NOW + 60));
    expect(r.not_registered[2]?.last_register_sent).toBeNull();
  });

  it("prints aligned columns; no colour codes off a terminal", () => {
    const text = statusText(statusReport(STATS, LIST, NOW), paintFor(false, {}));
    expect(text).not.toContain("\u001b[");
    const lines = text.split("\n");
    expect(lines[0]).toBe("4 record(s)");
    const header = lines.find((l) => l.startsWith("AOR"));
    const bob = lines.find((l) => l.startsWith("sip:bob@"));
    expect(header).toBeDefined();
    expect(bob).toContain("WRONG_CREDENTIALS_STATE");
    expect(bob).toContain("(1m 35s ago)");
    // Every column starts at the same offset on each line.
    expect(bob?.indexOf("WRONG_CREDENTIALS_STATE")).toBe(header?.indexOf("STATE"));
    expect(lines.find((l) => l.startsWith("sip:dave@"))).toMatch(/NOT_REGISTERED_STATE\s+no\s+never\s+-\s+disabled/);
    expect(text).toContain("3 not registered");
  });

  it("colours the states on a terminal, keeps the state names, and honours NO_COLOR", () => {
    const report = statusReport(STATS, LIST, NOW);
    const coloured = statusText(report, paintFor(true, {}));
    expect(coloured).toContain("\u001b[31mWRONG_CREDENTIALS_STATE");
    expect(coloured).toContain("\u001b[32mREGISTERED_STATE");
    expect(statusText(report, paintFor(true, { NO_COLOR: "1" }))).toBe(statusText(report, paintFor(false, {})));
  });

  it("counts from reg_list when the server has no reg_stats (OpenSIPS)", () => {
    expect(statusReport(undefined, LIST, NOW).states).toEqual({
      REGISTERED_STATE: 1,
      WRONG_CREDENTIALS_STATE: 1,
      REGISTER_TIMEOUT_STATE: 1,
      NOT_REGISTERED_STATE: 1,
    });
  });

  it("says so when every record is registered", () => {
    const all = { Records: [record("sip:alice@example.com", "REGISTERED_STATE")] };
    expect(statusText(statusReport(undefined, all, NOW), paintFor(false, {}))).toContain("every record is registered");
  });

  it("reads ctime text back, the epoch as never; formats ages", () => {
    expect(ctimeSeconds(formatCtime(NOW))).toBe(NOW);
    expect(ctimeSeconds("Thu Jan  1 00:00:00 1970")).toBeNull();
    expect(ctimeSeconds("garbage")).toBeNull();
    expect([formatAge(5), formatAge(95), formatAge(7260), formatAge(90000)]).toEqual([
      "5s",
      "1m 35s",
      "2h 1m",
      "1d 1h",
    ]);
  });
});
