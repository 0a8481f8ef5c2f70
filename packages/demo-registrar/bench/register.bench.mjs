// Throughput of the demo registrar on loopback: full REGISTER -> 401 -> REGISTER+auth -> 200 exchanges, then
// refreshes with preemptive auth (same nonce, nc+1 -> 200 at once). Imports the BUILT package; run after
// `pnpm --filter @uacreg/demo-registrar build`:  node packages/demo-registrar/bench/register.bench.mjs
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { computeCredentials, formatAuthorization, parseChallenges } from "@uacreg/digest";
import { startDemoRegistrar } from "@uacreg/demo-registrar";

const UAS = 50;
const DURATION_MS = 2000;
const users = Object.fromEntries(Array.from({ length: UAS }, (_, i) => [`u${i}`, `pw${i}`]));
const registrar = await startDemoRegistrar({ users, realm: "bench", minExpires: 60, maxExpires: 3600 });

function ua(i) {
  const s = createSocket("udp4");
  const callId = randomBytes(8).toString("hex");
  let cseq = 0;
  let challenge;
  let nc = 0;
  const text = (auth) =>
    [
      "REGISTER sip:bench SIP/2.0",
      `Via: SIP/2.0/UDP 127.0.0.1:${s.address().port};branch=z9hG4bK${randomBytes(6).toString("hex")}`,
      `From: <sip:u${i}@bench>;tag=t${i}`,
      `To: <sip:u${i}@bench>`,
      `Call-ID: ${callId}`,
      `CSeq: ${++cseq} REGISTER`,
      `Contact: <sip:u${i}@127.0.0.1:${s.address().port}>;expires=600`,
      ...(auth ? [`Authorization: ${auth}`] : []),
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
  const auth = () =>
    formatAuthorization(
      computeCredentials({
        challenge,
        username: `u${i}`,
        password: `pw${i}`,
        method: "REGISTER",
        uri: "sip:bench",
        nc: ++nc,
        cnonce: randomBytes(8).toString("hex"),
      }),
    );
  const setChallenge = (c) => {
    challenge = c;
    nc = 0;
  };
  return { s, text, auth, setChallenge, hasChallenge: () => !!challenge };
}

async function run(preemptive) {
  const uas = await Promise.all(
    Array.from({ length: UAS }, async (_, i) => {
      const u = ua(i);
      await new Promise((r) => u.s.bind(0, "127.0.0.1", r));
      return u;
    }),
  );
  let done = 0;
  const until = performance.now() + DURATION_MS;
  await Promise.all(
    uas.map(
      (u) =>
        new Promise((resolve) => {
          const next = () => {
            if (performance.now() > until) return resolve();
            u.s.send(u.text(preemptive && u.hasChallenge() ? u.auth() : undefined), registrar.port, "127.0.0.1");
          };
          u.s.on("message", (buf) => {
            const msg = buf.toString("latin1");
            const status = Number(msg.slice(8, 11));
            if (status === 401) {
              const www = /^WWW-Authenticate: (.*)$/im.exec(msg)[1];
              u.setChallenge(parseChallenges([www])[0]);
              u.s.send(u.text(u.auth()), registrar.port, "127.0.0.1");
            } else {
              done++;
              next();
            }
          });
          next();
        }),
    ),
  );
  for (const u of uas) u.s.close();
  return done / (DURATION_MS / 1000);
}

const full = await run(false);
const pre = await run(true);
console.log(`demo-registrar, ${UAS} UAs on loopback, ${DURATION_MS} ms each:`);
console.log(`  REGISTER -> 401 -> REGISTER+auth -> 200 : ${Math.round(full)} registrations/s`);
console.log(`  preemptive auth (nc+1) -> 200           : ${Math.round(pre)} registrations/s`);
console.log(`  stats: ${JSON.stringify(registrar.stats())}`);
await registrar.close();
