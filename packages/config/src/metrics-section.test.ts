import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

const refusal = (doc: unknown): ConfigError => {
  try {
    resolveConfig(doc, "/d");
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("metrics.per_record", () => {
  it("is off by default, with a cap of 10,000 records", () => {
    expect(resolveConfig({ metrics: {} }, "/d").metrics?.per_record).toEqual({ enabled: false, max_records: 10_000 });
  });

  it("takes enabled (true/false or 1/0) and max_records", () => {
    const c = resolveConfig({ metrics: { per_record: { enabled: 1, max_records: 50 } } }, "/d");
    expect(c.metrics).toEqual({ listen: "127.0.0.1:9464", per_record: { enabled: true, max_records: 50 } });
  });

  it("refuses a cap outside 1..1,000,000 and unknown keys, naming the key", () => {
    expect(refusal({ metrics: { per_record: { enabled: true, max_records: 0 } } }).message).toBe(
      "config: metrics.per_record.max_records: must be an integer in 1..1000000 (got 0)",
    );
    expect(refusal({ metrics: { per_record: { max_series: 5 } } }).key).toBe("metrics.per_record.max_series");
    expect(refusal({ metrics: { per_record: { enabled: "yes" } } }).key).toBe("metrics.per_record.enabled");
    expect(refusal({ metrics: { per_record: [] } }).key).toBe("metrics.per_record");
  });
});
