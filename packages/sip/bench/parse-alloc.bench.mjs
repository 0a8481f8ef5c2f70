// Heap bytes allocated per parse of the registration responses (REGISTER 401 / 200), alone and with what a
// registrant reads. Measured as the growth of heapUsed over 10,000 parses inside a young generation large enough that
// no scavenge runs (best of 5). Run after a build: node packages/sip/bench/parse-alloc.bench.mjs (it re-runs itself
// with --expose-gc and a 128 MB semi-space).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseMessage, topVia, cseq, callId, tag, parseContacts, headerParam } from "@uacreg/sip";
import { RESPONSE_200 as R200, RESPONSE_401 as R401 } from "./registration-responses.mjs";
let sink = 0;
const cases = {
  "parse 401 only": () => {
    sink += parseMessage(R401).status;
  },
  "parse 200 only": () => {
    sink += parseMessage(R200).status;
  },
  "401 + reads": () => {
    const m = parseMessage(R401);
    sink +=
      m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + m.getHeader("www-authenticate").length;
  },
  "200 + reads": () => {
    const m = parseMessage(R200);
    sink += m.status + topVia(m).branch.length + cseq(m).seq + callId(m).length + tag(m.getHeader("to")).length;
    sink += Number(headerParam(parseContacts(m.getHeaders("contact")).contacts[0].params, "expires"));
  },
};
if (typeof globalThis.gc !== "function" || !process.execArgv.some((a) => a.startsWith("--min-semi-space-size"))) {
  const flags = ["--expose-gc", "--min-semi-space-size=128", "--max-semi-space-size=128"];
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
const N = 10000;
for (const [label, fn] of Object.entries(cases)) {
  for (let i = 0; i < 50000; i++) fn();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    gc();
    gc();
    const a = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) fn();
    const b = process.memoryUsage().heapUsed;
    best = Math.min(best, (b - a) / N);
  }
  const t0 = process.cpuUsage();
  for (let i = 0; i < 200000; i++) fn();
  const t = process.cpuUsage(t0);
  console.log(
    label.padEnd(20),
    "bytes/parse",
    best.toFixed(0).padStart(6),
    "  µs/op",
    ((t.user + t.system) / 200000).toFixed(3),
  );
}

console.log(`(node ${process.version}; sink ${sink > 0 ? "ok" : "?"})`);
