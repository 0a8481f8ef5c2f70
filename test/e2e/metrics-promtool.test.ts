/**
 * The whole `/metrics` output of a running daemon passes `promtool check metrics` (issue 12 "Observability"), with
 * the cluster backend off and on, and with the per-record state series on: a registered record and one the
 * registrar refuses, the failing one named by its labels, the cap leaving the other out.
 */
import { get } from "node:http";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, describe, expect, it } from "vitest";
import { promtool, requirePromtool } from "../support/promtool.js";
import { registrantRow, startUacregd, stopAllUacregd, type Uacregd } from "../support/uacregd.js";

const registrars: DemoRegistrar[] = [];
afterAll(async () => {
  await stopAllUacregd();
  for (const r of registrars) await r.close();
});

/** The metrics port the daemon logged (`metrics.listen` on port 0). */
function metricsPort(d: Uacregd): number {
  for (const l of d.logs()) {
    if (!l.includes('"uacregd listening"')) continue;
    const port = (JSON.parse(l) as { metrics?: { port: number } }).metrics?.port;
    if (port !== undefined) return port;
  }
  throw new Error(`no metrics address logged:\n${d.logs().join("\n")}`);
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on("error", reject);
  });
}

/** alice registers; bob's password is wrong (401 to his credentials); the registrar on a free port. */
async function twoRecords() {
  const registrar = await startDemoRegistrar({
    users: { alice: "secret", bob: "right" },
    realm: "reg.test",
  });
  registrars.push(registrar);
  const REG = `sip:127.0.0.1:${registrar.port}`;
  return [
    registrantRow({ registrar: REG }),
    registrantRow({
      registrar: REG,
      aor: "sip:bob@reg.test",
      username: "bob",
      password: "wrong-pw",
      binding_URI: "sip:bob@127.0.0.1:5098",
    }),
  ];
}

async function settled(d: Uacregd, timeoutMs = 30_000): Promise<void> {
  await d.waitFor(
    (rs) =>
      rs.some((r) => r.AOR === "sip:alice@reg.test" && r.state === "REGISTERED_STATE") &&
      rs.some((r) => r.AOR === "sip:bob@reg.test" && r.state === "WRONG_CREDENTIALS_STATE"),
    timeoutMs,
  );
}

/** promtool's verdict on one scrape: exit 0 and nothing said. */
async function expectPromtoolPasses(body: string): Promise<void> {
  const r = await promtool(["check", "metrics"], body);
  expect(r.output).toBe("");
  expect(r.code).toBe(0);
}

describe("promtool check metrics on the whole /metrics output", () => {
  it("passes with the cluster backend off, the per-record series on and capped", async (ctx) => {
    if (!requirePromtool()) return ctx.skip();
    const rows = await twoRecords();
    const d = await startUacregd({
      rows,
      extra: { metrics: { listen: "127.0.0.1:0", per_record: { enabled: true, max_records: 1 } } },
    });
    await settled(d);
    const body = await scrape(metricsPort(d));
    await expectPromtoolPasses(body);
    // The failing record has a series (not registered first), alice is left out by the cap, and counted.
    const perRecord = body.split("\n").filter((l) => l.startsWith("uacreg_registrant_state{"));
    expect(perRecord).toEqual([
      `uacreg_registrant_state{aor="sip:bob@reg.test",contact="sip:bob@127.0.0.1:5098",registrar="${rows[1]!.registrar}",state="WRONG_CREDENTIALS_STATE"} 1`,
    ]);
    expect(body).toMatch(/^uacreg_registrant_state_records_omitted 1$/m);
    expect(d.logs().filter((l) => l.includes("metrics.per_record.max_records reached"))).toHaveLength(1);
    // The renamed families: one per counter, *_total.
    expect(body).toMatch(/^uacreg_engine_registrations_total [1-9]\d*$/m);
    expect(body).toMatch(/^uacreg_engine_auth_failures_total [1-9]\d*$/m);
    expect(body).toMatch(/^uacreg_transport_requests_sent_total\{method="REGISTER"\} [2-9]\d*$/m);
    expect(body).toMatch(/^uacreg_mi_calls_total\{command="reg_list",outcome="ok"\} [1-9]\d*$/m);
    expect(body).not.toMatch(/^uacreg_(engine_events|transport)\{/m);
    expect(body).not.toContain("uacreg_cluster_");
    // Credentials are never labels.
    expect(body).not.toContain("wrong-pw");
    expect(body).not.toContain("secret");
  });

  it("passes with the db cluster backend on (every cluster family, renews counted)", {
    timeout: 150_000,
  }, async (ctx) => {
    if (!requirePromtool()) return ctx.skip();
    const d = await startUacregd({
      rows: await twoRecords(),
      registrant: { enable_clustering: 1 },
      extra: {
        metrics: { listen: "127.0.0.1:0" },
        // The default timing: "fast" (1 s statement timeout) fences a node on a heavily loaded machine.
        cluster: { backend: "db", node_name: `metrics-${process.pid}` },
      },
    });
    await settled(d, 90_000);
    // The first renew comes renew_ms (5 s) after the join: scrape until it is counted.
    const renewed = /^uacreg_cluster_renews_total\{result="ok"\} [1-9]\d*$/m;
    let body = await scrape(metricsPort(d));
    for (const end = Date.now() + 30_000; !renewed.test(body) && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 500));
      body = await scrape(metricsPort(d));
    }
    await expectPromtoolPasses(body);
    expect(body).toMatch(renewed);
    expect(body).toMatch(/^uacreg_cluster_records_owned 2$/m);
    expect(body).toMatch(/^# TYPE uacreg_cluster_takeover_duration_seconds histogram$/m);
    expect(body).toMatch(/^uacreg_cluster_last_renew_latency_seconds /m);
    expect(body).not.toContain("uacreg_registrant_state{");
  });
});
