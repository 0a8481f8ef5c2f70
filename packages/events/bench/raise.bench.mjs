// Cost of raising E_REGISTRANT_* events: with no subscriber (what every state change pays), to one udp: subscriber
// and to one tcp: subscriber (real loopback listeners in this process, counting what arrives). Prints CPU per event.
// The UDP listener shares the process with the sender, so at this rate the kernel drops most datagrams at its
// receive buffer: "received" shows that, not a loss on the sending side ("sent" counts what left). The CPU figures
// include the in-process listener's receiving work.
//
//   node packages/events/bench/raise.bench.mjs [N]      (default N = 50,000 events per case)
//
// Imports the BUILT package (`pnpm turbo run build --filter=@uacreg/events...`).
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { createServer } from "node:net";
import { EventInterface, publishRegistrantEvents, raiseRegistrantEvent } from "@uacreg/events";
import { systemClock } from "@uacreg/runtime";

const N = Number(process.argv[2] ?? 50_000);
const key = {
  aor: "sip:trunk1234@carrier.example.com",
  contact: "sip:trunk1234@10.0.4.210:5060",
  registrar: "sip:registrar.example.com",
};
const turn = () => new Promise((r) => setImmediate(r));

async function run(label, subscribe, received) {
  const evi = new EventInterface({ clock: systemClock });
  publishRegistrantEvents(evi);
  if (subscribe) await evi.subscribe("E_REGISTRANT_REGISTERED", subscribe, 3600);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    raiseRegistrantEvent(evi, key, "REGISTERED_STATE");
    // Let the sockets drain now and then, as the engine's event loop would between state changes.
    if (subscribe && i % 500 === 499) await turn();
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  for (let i = 0; i < 200 && received && received() < N; i++) await turn();
  const us = ((cpu.user + cpu.system) / N).toFixed(2);
  const got = received ? `, ${received()} of ${N} received` : "";
  const c = subscribe ? evi.senders[subscribe.startsWith("udp") ? "udp" : "tcp"].counters : undefined;
  const drops = c ? `, sent ${c.sent}, dropped ${c.dropped}, errors ${c.errors}` : "";
  console.log(`${label.padEnd(22)} ${us} µs CPU per event (${ms.toFixed(0)} ms wall)${got}${drops}`);
  await evi.close();
}

await run("no subscriber", undefined, undefined);

const udp = createSocket("udp4");
udp.bind(0, "127.0.0.1");
await once(udp, "listening");
let datagrams = 0;
udp.on("message", () => datagrams++);
await run("udp: subscriber", `udp:127.0.0.1:${udp.address().port}`, () => datagrams);
udp.close();

let objects = 0;
const server = createServer((s) => {
  s.setEncoding("utf8");
  // Count notifications by their closing "}}" (each one ends with the params object).
  s.on("data", (d) => {
    objects += d.split("}}").length - 1;
  });
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
await run("tcp: subscriber", `tcp:127.0.0.1:${server.address().port}`, () => objects);
server.close();
