// MI dispatch and transport figures: requests/s through the registry alone, over HTTP (keep-alive off, like
// opensips-cli) and over a FIFO round trip. Run after a build: node packages/mi/bench/dispatch.mjs
import { execFileSync } from "node:child_process";
import { constants, promises as fsp } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MiFifoServer, MiHttpServer, MiRegistry } from "@uacreg/mi";

const registry = new MiRegistry();
const records = Array.from({ length: 100 }, (_, i) => ({
  AOR: `sip:user${i}@example.com`,
  expires: 3600,
  state: "REGISTERED_STATE",
}));
registry.register({
  name: "reg_list",
  aliases: ["uac_registrant:list"],
  recipes: [[], ["aor", "contact", "registrar"]],
  handler: () => ({ Records: records }),
});
registry.register({ name: "reg_disable", recipes: [["aor", "contact", "registrar"]], handler: () => "OK" });

const small =
  '{"jsonrpc": "2.0", "id": "8999", "method": "reg_disable", "params": ["sip:a@x", "sip:a@1.2.3.4", "sip:x"]}';
const n = 50_000;
let t0 = performance.now();
for (let i = 0; i < n; i++) await registry.handleBytes(small, "direct");
let ms = performance.now() - t0;
console.log(`registry reg_disable (parse+match+reply): ${Math.round(n / (ms / 1000))} req/s`);
const m = 5_000;
t0 = performance.now();
for (let i = 0; i < m; i++) await registry.handleBytes('{"jsonrpc":"2.0","id":1,"method":"reg_list"}', "direct");
ms = performance.now() - t0;
console.log(`registry reg_list of 100 records: ${Math.round(m / (ms / 1000))} req/s`);

const http = new MiHttpServer({ registry, port: 0 });
const { port } = await http.listen();
const post = (body) =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/mi",
        method: "POST",
        agent: false,
        headers: { "Content-Type": "application/json", Connection: "close" },
      },
      (res) => {
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
const h = 2_000;
t0 = performance.now();
for (let i = 0; i < h; i++) await post(small);
ms = performance.now() - t0;
console.log(`HTTP round trip (new connection each): ${(ms / h).toFixed(3)} ms/req`);
await http.close();

const dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-mi-bench-"));
const fifo = new MiFifoServer({ registry, path: join(dir, "fifo"), replyDir: `${dir}/`, checkIntervalMs: 0 });
await fifo.start();
const f = 200;
t0 = performance.now();
for (let i = 0; i < f; i++) {
  const name = `r${i}`;
  const reply = join(dir, name);
  execFileSync("mkfifo", [reply]);
  // Open the reply end first (non-blocking read + our own writer kept would hide EOF, so open blocking after writing
  // like opensips-cli, but start the open before the write so the server's first open attempt finds a reader).
  const opening = fsp.open(reply, "r");
  const w = await fsp.open(fifo.path, constants.O_WRONLY);
  await w.write(`:${name}:${small}`);
  await w.close();
  const r = await opening;
  await r.readFile();
  await r.close();
  await fsp.unlink(reply);
}
ms = performance.now() - t0;
console.log(`FIFO round trip (mkfifo + request + reply): ${(ms / f).toFixed(3)} ms/req`);
await fifo.stop();
await fsp.rm(dir, { recursive: true, force: true });
