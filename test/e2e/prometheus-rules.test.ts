/**
 * deploy/prometheus/uacreg-alerts.yml (docs/observability.md "Alerts"): `promtool check rules` accepts it and
 * `promtool test rules` passes its unit tests (series in, the alerts expected at given times out, including alerts
 * that must not fire).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { promtool, requirePromtool } from "../support/promtool.js";
import { REPO_ROOT } from "../support/uacregd.js";

const DIR = join(REPO_ROOT, "deploy/prometheus");

describe("the Prometheus alerting rules", () => {
  it("pass promtool check rules", async (ctx) => {
    if (!requirePromtool()) return ctx.skip();
    const r = await promtool(["check", "rules", join(DIR, "uacreg-alerts.yml")]);
    expect(r.output).toContain("SUCCESS: 13 rules found");
    expect(r.code).toBe(0);
  });

  it("pass their promtool unit tests", async (ctx) => {
    if (!requirePromtool()) return ctx.skip();
    const r = await promtool(["test", "rules", join(DIR, "uacreg-alerts.test.yml")]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});
