import { Writable } from "node:stream";
import type { RecordView, StateName } from "@uacreg/core";
import { STATE_NAMES } from "@uacreg/core";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { RecordStateMetric } from "./record-state-metric.js";
import { SettledStates } from "./settled-state.js";

function view(i: number, stateName: StateName): RecordView {
  return {
    aor: `sip:trunk${i}@carrier.example`,
    contact: `sip:trunk${i}@192.0.2.10`,
    registrar: "sip:carrier.example",
    expires: 0,
    state: STATE_NAMES.indexOf(stateName),
    stateName,
    enabled: true,
    lastRegisterSent: 0,
    registrationTimeout: 0,
  };
}

function harness(records: RecordView[] | undefined, max: number) {
  const warnings: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      warnings.push(...c.toString().split("\n").filter(Boolean));
      done();
    },
  });
  const registry = new Registry();
  const settled = new SettledStates();
  const source = {
    snapshot: () => (records ? { length: records.length, view: (i: number) => records[i] as RecordView } : undefined),
  };
  const texts: Array<() => Promise<string>> = [];
  const target = { registry, addTextSource: (f: () => Promise<string>) => texts.push(f) };
  new RecordStateMetric(target, source, settled, max, createLogger({ level: "info", format: "json" }, stream));
  const text = async () => (await registry.metrics()) + (await Promise.all(texts.map((f) => f()))).join("");
  const series = async () => (await text()).split("\n").filter((l) => l.startsWith("uacreg_registrant_state"));
  return { registry, settled, series, text, warnings };
}

describe("the per-record state series", () => {
  it("one series per record, labelled by AOR, contact, registrar and state; never the username or password", async () => {
    const h = harness([view(1, "REGISTERED_STATE"), view(2, "WRONG_CREDENTIALS_STATE")], 10);
    const s = await h.series();
    expect(s).toContain(
      'uacreg_registrant_state{aor="sip:trunk2@carrier.example",contact="sip:trunk2@192.0.2.10",registrar="sip:carrier.example",state="WRONG_CREDENTIALS_STATE"} 1',
    );
    expect(s.filter((l) => l.startsWith("uacreg_registrant_state{"))).toHaveLength(2);
    expect(s).toContain("uacreg_registrant_state_records_omitted 0");
    expect(s.join("\n")).not.toMatch(/username|password/);
  });

  it("a record retrying out of a failure keeps its series (its settled state)", async () => {
    const records = [view(1, "REGISTRAR_ERROR_STATE")];
    const h = harness(records, 10);
    h.settled.observe({ key: records[0]!, from: "REGISTRAR_ERROR_STATE", to: "REGISTERING_STATE", reason: "visit" });
    records[0] = view(1, "REGISTERING_STATE");
    expect((await h.series()).filter((l) => l.includes('state="REGISTRAR_ERROR_STATE"'))).toHaveLength(1);
  });

  it("beyond max_records: no more series, the not registered first, the rest counted, one warning", async () => {
    const records = Array.from({ length: 50 }, (_, i) =>
      view(i, i % 10 === 7 ? "REGISTER_TIMEOUT_STATE" : "REGISTERED_STATE"),
    );
    const h = harness(records, 20);
    for (let scrape = 0; scrape < 3; scrape++) {
      const s = await h.series();
      const perRecord = s.filter((l) => l.startsWith("uacreg_registrant_state{"));
      expect(perRecord).toHaveLength(20);
      expect(perRecord.filter((l) => l.includes("REGISTER_TIMEOUT_STATE"))).toHaveLength(5);
      expect(s).toContain("uacreg_registrant_state_records_omitted 30");
      expect(s).toContain("uacreg_registrant_state_max_records 20");
    }
    expect(h.warnings).toHaveLength(1);
    expect(JSON.parse(h.warnings[0]!)).toMatchObject({ level: 40, records: 50, max_records: 20 });
  });

  it("no series before the records are loaded", async () => {
    const h = harness(undefined, 20);
    expect((await h.series()).filter((l) => l.startsWith("uacreg_registrant_state{"))).toEqual([]);
  });

  it("escapes label values as the text format requires", async () => {
    const odd = { ...view(1, "REGISTRAR_ERROR_STATE"), aor: 'sip:a"b\\c@x', contact: "sip:c@x;p=1\nq" };
    const h = harness([odd], 10);
    expect((await h.text()).split("\n")).toContain(
      'uacreg_registrant_state{aor="sip:a\\"b\\\\c@x",contact="sip:c@x;p=1\\nq",registrar="sip:carrier.example",state="REGISTRAR_ERROR_STATE"} 1',
    );
  });
});
