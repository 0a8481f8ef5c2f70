// The demo registrar (@uacreg/demo-registrar, built) as its own process for the benchmarks:
// node demo-registrar-child.mjs <port> <users>  — users u0…u{n-1}, password "secret", realm reg.test.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./lib.mjs";

const [port, count] = process.argv.slice(2).map(Number);
const require = createRequire(join(ROOT, "apps/uacregd/package.json"));
const { startDemoRegistrar } = await import(pathToFileURL(require.resolve("@uacreg/demo-registrar")).href);
const users = {};
for (let i = 0; i < count; i++) users[`u${i}`] = "secret";
const registrar = await startDemoRegistrar({ host: "127.0.0.1", port, users, realm: "reg.test", maxExpires: 3600 });
const stop = async () => {
  process.stderr.write(`${JSON.stringify(registrar.stats())}\n`);
  await registrar.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
