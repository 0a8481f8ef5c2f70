/**
 * The quick-start demo: the daemon on the embedded SQLite default, seeded with a few registrants that register
 * against a loopback demo registrar started beside it (digest auth). Within a minute `uacreg mi reg_list` shows:
 * alice REGISTERED, bob WRONG_CREDENTIALS (wrong password), carol REGISTER_TIMEOUT (nothing listens on her
 * registrar's port), and dave disabled.
 */
import { createSocket } from "node:dgram";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "@uacreg/config";
import { openRepository } from "@uacreg/db";
import { startDemoRegistrar } from "@uacreg/demo-registrar";
import type { RegistrantRow } from "@uacreg/engine";
import { regListRecord } from "@uacreg/registrant-mi";
import { loadDbAdapter } from "./db-adapters.js";
import { runDaemon } from "./cli.js";

/** A UDP port on loopback that nothing listens on (bound by the OS, then released). */
async function deadPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function row(
  aor: string,
  registrar: string,
  username: string | null,
  password: string | null,
  state = 0,
): RegistrantRow {
  const user = aor.slice(4, aor.indexOf("@"));
  return {
    registrar,
    proxy: null,
    aor,
    third_party_registrant: null,
    username,
    password,
    binding_URI: `sip:${user}@127.0.0.1:5060`,
    binding_params: null,
    expiry: 120,
    forced_socket: null,
    cluster_shtag: null,
    state,
  };
}

export async function runDemo(opts: { dataDir: string; durationS?: number | undefined }): Promise<number> {
  const registrar = await startDemoRegistrar({
    host: "127.0.0.1",
    port: 0,
    users: { alice: "alice-secret", bob: "bob-secret", dave: "dave-secret" },
    minExpires: 60,
  });
  const reg = `sip:127.0.0.1:${registrar.port}`;
  const dead = `sip:127.0.0.1:${await deadPort()}`;
  const dbFile = join(opts.dataDir, "demo.db");
  rmSync(dbFile, { force: true });
  const config = resolveConfig(
    {
      listen: ["udp:127.0.0.1:0"],
      db_url: `sqlite://${dbFile.startsWith("/") ? "" : "/"}${dbFile}`,
      registrant: { hash_size: 1, timer_interval: 10, failure_retry_interval: 30 },
      tm: { fr_timeout: 5 },
      log: { level: "info", format: "pretty" },
      metrics: { listen: "127.0.0.1:0" },
    },
    opts.dataDir,
  );
  // Seed the demo records (the table is created exactly as `uacreg db create` would).
  const repo = await openRepository(config.db_url, { tableName: "registrant" }, [await loadDbAdapter(config.db_url)]);
  await repo.createSchema();
  for (const r of [
    row("sip:alice@uacreg.demo", reg, "alice", "alice-secret"),
    row("sip:bob@uacreg.demo", reg, "bob", "not-bobs-password"),
    row("sip:carol@uacreg.demo", dead, "carol", "carol-secret"),
    row("sip:dave@uacreg.demo", reg, "dave", "dave-secret", 1),
  ]) {
    await repo.upsert(r);
  }
  await repo.close();
  const out = process.stdout;
  out.write(
    `\nuacreg demo: demo registrar on udp:127.0.0.1:${registrar.port}, database ${dbFile}\n` +
      "The records register within ~15 s (5 s bucket walk; timeouts after 5 s). In another terminal:\n" +
      "  node apps/uacreg/dist/main.js mi reg_list       (MI over HTTP on 127.0.0.1:8888)\n" +
      "Ctrl-C stops the demo.\n\n",
  );
  let table = "";
  let timer: NodeJS.Timeout | undefined;
  const code = await runDaemon(config, {
    ...(opts.durationS !== undefined ? { durationMs: opts.durationS * 1000 } : {}),
    onStarted: (daemon) => {
      const page = daemon.addresses.web;
      out.write(
        page
          ? `Status page: ${page.url}  (live states, history, enable/disable; docs/web-api.md)\n\n`
          : "Status page: not started (see the log)\n\n",
      );
      timer = setInterval(() => {
        const engine = daemon.engine;
        if (!engine) return;
        const next = engine
          .list()
          .map((view) => regListRecord(view))
          .map((r) => `  ${String(r.AOR).padEnd(24)} ${String(r.state).padEnd(26)} enabled=${r.enabled}`)
          .join("\n");
        if (next !== table) {
          table = next;
          out.write(`\nreg_list at ${new Date().toISOString()}:\n${table}\n\n`);
        }
      }, 1000);
    },
  });
  clearInterval(timer);
  await registrar.close();
  return code;
}
