#!/usr/bin/env node
// The minimal Node client of the daemon benchmark (issue 14): the floor under uacregd's CPU on the machine at hand.
// It registers accounts 0…n-1 (accounts.mjs) with the benchmark's registrar and keeps them registered, doing the least
// a Node process can do for that and nothing else: no database (the accounts are generated in memory), no SIP parser
// (the status code, Call-ID and CSeq are read at fixed places), no transaction layer (a request unanswered for 4 s is
// sent again at the next tick, no Timer E), no state machine, no log, no management interface. Per refresh: one
// template string, one MD5 (HA1 and HA2 computed once), one `send`, one `latin1Slice` and a few `indexOf` per reply.
// Refreshes are timed as uacregd's are (OpenSIPS's rule: due `timer` seconds before `expires − timer`): every `timer`
// seconds a tick sends the records whose refresh is due, `expires − 2 × timer` seconds after their last 200, at most
// `max-in-flight` at once, the next ones as replies come back. Preemptive digest: the last challenge's nonce with a
// counted nc, a new challenge answered once per request.
//
//   node test/bench/node-floor.mjs --registrar=<udp port> --port=<own udp port> --n=<accounts> [--expires=3600]
//        [--timer=10] [--max-in-flight=2000]
//
// Not a SIP client to reuse: it trusts its registrar (replies are matched by Call-ID number and CSeq only).
import { hash } from "node:crypto";
import { createSocket } from "node:dgram";
import { account, DOMAIN } from "./accounts.mjs";

const opt = (name, dflt) => {
  const a = process.argv.slice(2).find((x) => x.startsWith(`--${name}=`));
  if (a === undefined && dflt === undefined) throw new Error(`node-floor: --${name}= is required`);
  return Number(a === undefined ? dflt : a.slice(name.length + 3));
};
const registrarPort = opt("registrar");
const ownPort = opt("port");
const n = opt("n");
const expires = opt("expires", 3600);
const timerS = opt("timer", 10);
const maxInFlight = opt("max-in-flight", 2000);

const HOST = "127.0.0.1";
const RURI = `sip:${HOST}:${registrarPort}`;
const md5 = (text) => hash("md5", text, "hex");
const HA2 = md5(`REGISTER:${RURI}`);
const CNONCE = "0a4f113b";

const users = new Array(n);
const ha1 = new Array(n);
const nonce = new Array(n);
const cseq = new Uint32Array(n);
const nc = new Uint32Array(n);
/** ms of the last send while a request is out, 0 when none is */
const sentAt = new Float64Array(n);
/** the nonce of the request out (a second challenge for the same nonce ends the exchange) */
const usedNonce = new Array(n);
for (let i = 0; i < n; i++) {
  const a = account(i);
  users[i] = a.user;
  ha1[i] = md5(`${a.user}:${DOMAIN}:${a.password}`);
}

const sock = createSocket("udp4");
sock.on("error", (e) => {
  console.error(`node-floor: ${e.message}`);
  process.exit(1);
});
await new Promise((resolve) => sock.bind(ownPort, HOST, resolve));
sock.setRecvBufferSize(4 * 1024 * 1024);
sock.setSendBufferSize(4 * 1024 * 1024);

let branch = 0;
function send(i) {
  const user = users[i];
  cseq[i]++;
  let auth = "";
  const nn = nonce[i];
  if (nn !== undefined) {
    const count = (++nc[i]).toString(16).padStart(8, "0");
    const response = md5(`${ha1[i]}:${nn}:${count}:${CNONCE}:auth:${HA2}`);
    auth =
      `Authorization: Digest username="${user}", realm="${DOMAIN}", nonce="${nn}", uri="${RURI}", ` +
      `response="${response}", algorithm=MD5, cnonce="${CNONCE}", qop=auth, nc=${count}\r\n`;
  }
  usedNonce[i] = nn;
  sentAt[i] = performance.now();
  sock.send(
    `REGISTER ${RURI} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${ownPort};rport;branch=z9hG4bKf${(++branch).toString(36)}\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:${user}@${DOMAIN}>;tag=f${i}\r\nTo: <sip:${user}@${DOMAIN}>\r\n` +
      `Call-ID: ${i}@floor\r\nCSeq: ${cseq[i]} REGISTER\r\nContact: <sip:${user}@${HOST}:${ownPort}>\r\n` +
      `Expires: ${expires}\r\n${auth}Content-Length: 0\r\n\r\n`,
    registrarPort,
    HOST,
  );
}

/** Records waiting to be sent (a stack), and how many requests are out. */
const backlog = [];
let inFlight = 0;
function pump() {
  while (inFlight < maxInFlight && backlog.length > 0) {
    inFlight++;
    send(backlog.pop());
  }
}
/** Refreshes due per whole second. */
const due = new Map();
function finish(i, ok) {
  sentAt[i] = 0;
  inFlight--;
  // a failed exchange is tried again at the next tick
  const at = ok ? Math.floor(Date.now() / 1000) + expires - 2 * timerS : Math.floor(Date.now() / 1000);
  const list = due.get(at);
  if (list === undefined) due.set(at, [i]);
  else list.push(i);
  pump();
}

sock.on("message", (buf) => {
  const s = buf.latin1Slice(0, buf.length);
  const code = Number(s.slice(8, 11));
  if (!(code >= 200)) return;
  const c = s.indexOf("\nCall-ID: ");
  if (c < 0) return;
  const i = Number(s.slice(c + 10, s.indexOf("@", c)));
  const q = s.indexOf("\nCSeq: ");
  if (!(i >= 0 && i < n) || sentAt[i] === 0 || Number(s.slice(q + 7, s.indexOf(" ", q + 7))) !== cseq[i]) return;
  if (code === 401) {
    const k = s.indexOf('nonce="');
    const fresh = k < 0 ? undefined : s.slice(k + 7, s.indexOf('"', k + 7));
    if (fresh !== undefined && fresh !== usedNonce[i]) {
      nonce[i] = fresh;
      nc[i] = 0;
      send(i);
      return;
    }
  }
  finish(i, code >= 200 && code < 300);
});

setInterval(() => {
  const now = Math.floor(Date.now() / 1000);
  for (const [at, list] of due) {
    if (at > now) continue;
    due.delete(at);
    for (const i of list) backlog.push(i);
  }
  const stale = performance.now() - 4000;
  for (let i = 0; i < n; i++) if (sentAt[i] !== 0 && sentAt[i] < stale) send(i);
  pump();
}, timerS * 1000);

for (let i = n - 1; i >= 0; i--) backlog.push(i);
pump();
process.on("SIGTERM", () => process.exit(0));
