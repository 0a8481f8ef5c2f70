// The settled-state tracker of the state-change log (src/settled-state.ts) on a first-registration ramp: N records go
// NOT_REGISTERED → REGISTERING, then (IN_FLIGHT records later) REGISTERING → AUTHENTICATING → REGISTERED, each event
// with a fresh key object as the engine hands them (core's `key` getter), the record's own strings in it. Prints
// CPU-µs per registration (three events). Figures, no assertions.
//
//   node apps/uacregd/bench/settled-state.bench.mjs [N=20000] [IN_FLIGHT=2000] [ROUNDS=20]
//
// Imports the BUILT app (`pnpm build`).
import { SettledStates } from "../dist/settled-state.js";

const N = Number(process.argv[2] ?? 20_000);
const IN_FLIGHT = Number(process.argv[3] ?? 2000);
const ROUNDS = Number(process.argv[4] ?? 20);
const registrar = "sip:registrar.example.net:5060";
const records = Array.from({ length: N }, (_, i) => ({
  aor: `sip:trunk${i}@carrier.example.net`,
  binding: `sip:trunk${i}@198.51.100.7:5060`,
}));
const key = (r) => ({ aor: r.aor, contact: r.binding, registrar });
const change = (r, from, to) => ({ key: key(r), from, to, reason: "" });

function ramp() {
  const s = new SettledStates();
  let answered = 0;
  const finish = (r) => {
    s.observe(change(r, "REGISTERING_STATE", "AUTHENTICATING_STATE"));
    s.observe(change(r, "AUTHENTICATING_STATE", "REGISTERED_STATE"));
  };
  for (let i = 0; i < N; i++) {
    s.observe(change(records[i], "NOT_REGISTERED_STATE", "REGISTERING_STATE"));
    if (i >= IN_FLIGHT) finish(records[answered++]);
  }
  while (answered < N) finish(records[answered++]);
  if (s.size !== 0) throw new Error(`${s.size} records left in flight`);
}

const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let i = 0; i < 3; i++) ramp(); // warm-up
const t = cpu();
for (let i = 0; i < ROUNDS; i++) ramp();
const us = (cpu() - t) / (ROUNDS * N);
console.log(
  `settled states, ${N} records, ${IN_FLIGHT} in flight: ${us.toFixed(3)} CPU-µs per first registration (3 events)`,
);
