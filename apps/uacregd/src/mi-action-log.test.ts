import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { miActionObserver } from "./mi-action-log.js";

function harness() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      for (const l of c.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const counted: string[] = [];
  const observe = miActionObserver(createLogger({ level: "info", format: "json" }, stream), {
    inc: ({ command, outcome }) => counted.push(`${command} ${outcome}`),
  });
  return { lines, counted, observe };
}

const KEY = { aor: "sip:alice@reg.test", contact: "sip:alice@127.0.0.1", registrar: "sip:reg.test" };

describe("the MI action log", () => {
  it("counts every call and logs the ones that change something once, at info, with the key and outcome", () => {
    const h = harness();
    h.observe("reg_list", "ok", { changes: false, transport: "http" });
    h.observe("reg_disable", "ok", { changes: true, transport: "fifo", key: KEY });
    h.observe("reg_enable", "error", {
      changes: true,
      transport: "http",
      key: KEY,
      error: { code: 404, message: "No such registrant" },
    });
    h.observe("reg_reload", "ok", { changes: true, transport: "http" });
    h.observe("clusterer_shtag_set_active", "ok", { changes: true, transport: "http", tag: "vip/1" });
    expect(h.counted).toEqual([
      "reg_list ok",
      "reg_disable ok",
      "reg_enable error",
      "reg_reload ok",
      "clusterer_shtag_set_active ok",
    ]);
    expect(h.lines.map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest)).toEqual([
      { level: 30, msg: "MI action", command: "reg_disable", ...KEY, outcome: "ok", via: "fifo" },
      {
        level: 30,
        msg: "MI action",
        command: "reg_enable",
        ...KEY,
        outcome: "error",
        code: 404,
        error: "No such registrant",
        via: "http",
      },
      { level: 30, msg: "MI action", command: "reg_reload", outcome: "ok", via: "http" },
      { level: 30, msg: "MI action", command: "clusterer_shtag_set_active", tag: "vip/1", outcome: "ok", via: "http" },
    ]);
  });
});
