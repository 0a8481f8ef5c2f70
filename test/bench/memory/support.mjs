// Shared by the memory and idle benchmarks of this folder: the fast registrar as a child process, and the daemon's
// SQLite table of N accounts for it.
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as L from "../lib.mjs";

const PASSWORD = "secret"; // the fast registrar's one password
const REGISTRAR = join(L.ROOT, "packages/engine/bench/support/fast-registrar.mjs");
const Database = createRequire(join(L.ROOT, "packages/db-sqlite/package.json"))("better-sqlite3");

/**
 * packages/engine/bench/support/fast-registrar.mjs in its own process: digest MD5 qop=auth (401, then 200), one
 * password for every account. Resolves with its port, `stats()` (challenges, accepted, rejected, its CPU) and `stop()`.
 */
export function startRegistrar() {
  const child = L.track(fork(REGISTRAR, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (m) => {
      const stats = () =>
        new Promise((res) => {
          const on = (x) => {
            if (x.stats) {
              child.off("message", on);
              res(x.stats);
            }
          };
          child.on("message", on);
          child.send("stats");
        });
      resolve({ port: m.port, pid: child.pid, stats, stop: () => L.stopChild(child, "SIGTERM", 5000) });
    });
  });
}

/** The daemon's `registrant` table of `n` accounts in `dir`, to the fast registrar; returns its db_url. */
export async function makeTable(dir, n, registrarPort, sipPort) {
  const path = join(dir, "registrant.db");
  const url = await L.makeRegistrantDb({ path }, n, `sip:127.0.0.1:${registrarPort}`, 3600, `127.0.0.1:${sipPort}`);
  const db = new Database(path);
  db.prepare("UPDATE registrant SET password = ?").run(PASSWORD);
  db.close();
  return url;
}
