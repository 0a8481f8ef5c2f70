// Issue 10 item 14: the adaptive in-flight window against a registrar with a small receive buffer.
// N records (default 100,000) in a fresh SQLite table, all to one registrar, the built daemon with the default
// configuration except hash_size 1 / timer_interval 10 (both buckets visited within 10 s of start instead of 100 s;
// max_in_flight, fr_timeout and the timers are the defaults). Prints, per run: seconds from the first REGISTER until
// every record is REGISTERED, transaction timeouts (engine counter) and records seen at once in REGISTER_TIMEOUT_STATE,
// retransmissions, datagrams the registrar's kernel socket dropped (/proc/net/udp), daemon CPU seconds.
//
//   node bench/hardening/window.mjs --registrar sipp|kamailio|demo [--fixed] [--records 100000] [--runs 3]
//        [--buff 65536] [--limit-s 480]
// --fixed pins every window at max_in_flight (fixed-window-hook.mjs): the behaviour before the adaptive window.
import { parseArgs } from "node:util";
import {
  cpuSeconds,
  endRun,
  httpGet,
  load,
  makeDatabase,
  median,
  mi,
  parseMetrics,
  repeat,
  sleep,
  startDaemon,
  startDemo,
  startKamailio,
  startSipp,
  table,
  tempDir,
  udpSocket,
} from "./lib.mjs";

const { values: o } = parseArgs({
  options: {
    registrar: { type: "string", default: "sipp" },
    fixed: { type: "boolean", default: false },
    records: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    buff: { type: "string", default: "65536" },
    "limit-s": { type: "string", default: "480" },
  },
});
const N = Number(o.records);
const buff = Number(o.buff);

async function startRegistrar(dir) {
  if (o.registrar === "sipp") return startSipp(dir, { buffSize: buff || undefined });
  if (o.registrar === "kamailio") return startKamailio(dir, { maxRcvBuf: buff || undefined });
  if (o.registrar === "demo") return startDemo(N);
  throw new Error(`--registrar sipp|kamailio|demo, got ${o.registrar}`);
}

async function run(i) {
  const dir = tempDir("window");
  const loadBefore = load();
  let reg;
  let daemon;
  try {
    reg = await startRegistrar(dir);
    const db = await makeDatabase(dir, N, `sip:127.0.0.1:${reg.port}`, { auth: reg.kind === "demo" });
    const drops0 = udpSocket(reg.port)?.drops ?? 0;
    daemon = await startDaemon(dir, db, { registrant: { hash_size: 1, timer_interval: 10 }, fixedWindow: o.fixed });
    const limit = Date.now() + Number(o["limit-s"]) * 1000;
    let t0;
    let registered = 0;
    let peakTimeoutState = 0;
    let c = {};
    while (Date.now() < limit) {
      const { result } = await mi(daemon.miPort, "reg_stats");
      c = result.Counters;
      registered = result.States.REGISTERED_STATE;
      peakTimeoutState = Math.max(peakTimeoutState, result.States.REGISTER_TIMEOUT_STATE);
      if (t0 === undefined && c.registerSent > 0) t0 = performance.now();
      if (registered === N) break;
      await sleep(250);
    }
    const allIn = registered === N ? (performance.now() - t0) / 1000 : Number.NaN;
    const m = parseMetrics(await httpGet(daemon.metricsPort, "/metrics"));
    const row = {
      run: i,
      registrar: reg.label,
      window: o.fixed ? "fixed 2000" : "adaptive",
      records: N,
      "all REGISTERED s": registered === N ? allIn : `no (${registered})`,
      timeouts: c.timeouts,
      "peak in TIMEOUT": peakTimeoutState,
      retransmits: m["transport.retransmissions"],
      "registrar drops": (udpSocket(reg.port)?.drops ?? Number.NaN) - drops0,
      "REGISTER sent": m["transport.requestsSent_REGISTER"],
      "daemon CPU s": cpuSeconds(daemon.pid),
      load: loadBefore,
    };
    return row;
  } finally {
    await endRun(dir, daemon, reg);
  }
}

const rows = await repeat(Number(o.runs), run, (row) => table([row]));
console.log(
  `\n${o.registrar}, ${o.fixed ? "fixed window (max_in_flight 2000)" : "adaptive window"}, ${N} records, median of ${rows.length}:`,
);
const num = (k) => median(rows.map((r) => (typeof r[k] === "number" ? r[k] : Number.NaN)));
table([
  {
    registrar: rows[0]?.registrar,
    window: rows[0]?.window,
    "all REGISTERED s": num("all REGISTERED s"),
    timeouts: num("timeouts"),
    "peak in TIMEOUT": num("peak in TIMEOUT"),
    retransmits: num("retransmits"),
    "registrar drops": num("registrar drops"),
    "daemon CPU s": num("daemon CPU s"),
    loads: rows.map((r) => r.load.split(" ")[0]).join("/"),
  },
]);
