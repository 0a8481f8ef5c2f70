import { Writable } from "node:stream";
import type { StateName } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { SettledStates } from "./settled-state.js";
import { replyCodeOf, stateChangeLogger } from "./state-change-log.js";

const KEY = { aor: "sip:trunk1@carrier.example", contact: "sip:trunk1@192.0.2.10", registrar: "sip:carrier.example" };

/** A logger writing JSON lines into an array, and the listener under test. */
function harness() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      for (const l of c.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const settled = new SettledStates();
  const listener = stateChangeLogger(createLogger({ level: "debug", format: "json" }, stream), settled);
  let state: StateName = "NOT_REGISTERED_STATE";
  const go = (to: StateName, reason = "x") => {
    listener({ key: KEY, from: state, to, reason });
    state = to;
  };
  /** One REGISTER attempt: REGISTERING, AUTHENTICATING, then `to` with `reason`. */
  const attempt = (to: StateName, reason: string) => {
    go("REGISTERING_STATE", "visit");
    go("AUTHENTICATING_STATE", "401 Unauthorized");
    go(to, reason);
  };
  const seen = () =>
    lines.map((l) => `${l.level === 40 ? "WARN" : l.level === 30 ? "INFO" : l.level} ${l.msg} ${l.state}`);
  return { lines, settled, attempt, go, seen };
}

describe("state change log lines", () => {
  it("warns once on entering a failure state with the key, reply code and reason; retries log nothing more", () => {
    const h = harness();
    h.attempt("REGISTERED_STATE", "200 OK");
    for (let i = 0; i < 5; i++) h.attempt("WRONG_CREDENTIALS_STATE", "403 Forbidden");
    expect(h.seen()).toEqual([
      "INFO state change REGISTERED_STATE",
      "WARN registration failed WRONG_CREDENTIALS_STATE",
    ]);
    expect(h.lines[1]).toMatchObject({
      level: 40,
      ...KEY,
      state: "WRONG_CREDENTIALS_STATE",
      previous: "REGISTERED_STATE",
      code: 403,
      reason: "403 Forbidden",
    });
    // Nothing is remembered for a record with no transaction in flight.
    expect(h.settled.size).toBe(0);
  });

  it("refreshes of a registered record log nothing and remember nothing, even while another record is in flight", () => {
    const h = harness();
    h.attempt("REGISTERED_STATE", "200 OK");
    const before = h.lines.length;
    for (let i = 0; i < 3; i++) {
      h.go("REGISTERING_STATE", "refresh");
      // The record in flight after REGISTERED is remembered by nothing (no entry: the default).
      expect(h.settled.size).toBe(0);
      expect(h.settled.settledOf(KEY, "REGISTERING_STATE")).toBe("REGISTERED_STATE");
      h.go("REGISTERED_STATE", "200 OK");
    }
    const other = { ...KEY, aor: "sip:trunk2@carrier.example" };
    const listener = stateChangeLogger(
      createLogger({ level: "info", format: "json" }, new Writable({ write: (_c, _e, d) => d() })),
      h.settled,
    );
    listener({ key: other, from: "NOT_REGISTERED_STATE", to: "REGISTERING_STATE", reason: "visit" });
    h.go("REGISTERING_STATE", "refresh");
    expect(h.settled.settledOf(KEY, "REGISTERING_STATE")).toBe("REGISTERED_STATE");
    expect(h.settled.settledOf(other, "REGISTERING_STATE")).toBe("NOT_REGISTERED_STATE");
    h.go("REGISTERED_STATE", "200 OK");
    expect(h.lines.slice(before).filter((l) => (l.level as number) >= 30)).toEqual([]);
    expect(h.settled.size).toBe(1);
  });

  it("logs recovery at info with the failure it recovers from", () => {
    const h = harness();
    h.attempt("REGISTER_TIMEOUT_STATE", "timeout");
    h.attempt("REGISTER_TIMEOUT_STATE", "timeout");
    h.attempt("REGISTERED_STATE", "200 OK");
    h.attempt("REGISTERED_STATE", "200 OK"); // a refresh
    expect(h.seen()).toEqual([
      "WARN registration failed REGISTER_TIMEOUT_STATE",
      "INFO registration recovered REGISTERED_STATE",
    ]);
    expect(h.lines[0]).not.toHaveProperty("code");
    expect(h.lines[1]).toMatchObject({ previous: "REGISTER_TIMEOUT_STATE", code: 200, reason: "200 OK" });
  });

  it("a record flapping between two failure states logs each change once", () => {
    const h = harness();
    for (let i = 0; i < 3; i++) {
      h.attempt("REGISTRAR_ERROR_STATE", "503 Service Unavailable");
      h.attempt("REGISTRAR_ERROR_STATE", "503 Service Unavailable");
      h.attempt("REGISTER_TIMEOUT_STATE", "timeout");
    }
    expect(h.seen()).toEqual([
      "WARN registration failed REGISTRAR_ERROR_STATE",
      "WARN registration failed REGISTER_TIMEOUT_STATE",
      "WARN registration failed REGISTRAR_ERROR_STATE",
      "WARN registration failed REGISTER_TIMEOUT_STATE",
      "WARN registration failed REGISTRAR_ERROR_STATE",
      "WARN registration failed REGISTER_TIMEOUT_STATE",
    ]);
  });

  it("other settled changes are info, in-flight states are left to the engine's debug line", () => {
    const h = harness();
    h.attempt("REGISTERED_STATE", "200 OK");
    h.go("UNREGISTERING_STATE", "MI disable");
    h.go("NOT_REGISTERED_STATE", "200 OK");
    expect(h.seen()).toEqual(["INFO state change REGISTERED_STATE", "INFO state change NOT_REGISTERED_STATE"]);
  });
});

describe("replyCodeOf", () => {
  it("reads the SIP status at the start of core's reason", () => {
    expect(replyCodeOf("401 Unauthorized to an authenticated request")).toBe(401);
    expect(replyCodeOf("503")).toBe(503);
    expect(replyCodeOf("timeout")).toBeUndefined();
    expect(replyCodeOf("send failure: 5060 refused")).toBeUndefined();
    expect(replyCodeOf("4031 x")).toBeUndefined();
  });
});
