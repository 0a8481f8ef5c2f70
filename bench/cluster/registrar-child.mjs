// The demo registrar (@uacreg/demo-registrar, built) in its own process for the cluster benchmarks, logging every
// REGISTER as a JSON line (its `registerLog`, docs/cluster.md §1) and answering 400 to a CSeq out of order (RFC 3261
// §10.3 step 7): node registrar-child.mjs <port> <users> <log file>  — users u0…u{n-1}, password "secret".
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../hardening/lib.mjs";

const [portText, countText, logFile] = process.argv.slice(2);
const require = createRequire(join(ROOT, "apps/uacregd/package.json"));
const { startDemoRegistrar, openRegisterLogFile } = await import(
  pathToFileURL(require.resolve("@uacreg/demo-registrar")).href
);
const users = {};
for (let i = 0; i < Number(countText); i++) users[`u${i}`] = "secret";
const log = openRegisterLogFile(logFile);
const registrar = await startDemoRegistrar({
  host: "127.0.0.1",
  port: Number(portText),
  users,
  realm: "reg.test",
  maxExpires: 3600,
  outOfOrderStatus: 400,
  registerLog: (entry) => log.write(entry),
});
const stop = async () => {
  process.stderr.write(`${JSON.stringify(registrar.stats())}\n`);
  await registrar.close();
  await log.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
