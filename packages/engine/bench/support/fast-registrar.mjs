// A fast digest registrar for the engine benchmark, run in its own process (so the engine's CPU is measured alone).
// UDP on 127.0.0.1, port chosen by the OS and sent to the parent over IPC. 401 to a REGISTER without credentials
// (one nonce per Call-ID); verifies MD5 credentials (a reused nonce with a higher nc is accepted: preemptive auth);
// 200 with the Contact and the asked expires.
import { createHash, randomBytes } from "node:crypto";
import dgram from "node:dgram";

const REALM = "bench.test";
const PASSWORD = "secret";
const md5 = (s) => createHash("md5").update(s).digest("hex");
const nonces = new Map(); // nonce -> last nc
let challenges = 0;
let accepted = 0;
let rejected = 0;

function header(lines, name) {
  const lower = `${name.toLowerCase()}:`;
  for (const l of lines) if (l.slice(0, lower.length).toLowerCase() === lower) return l.slice(lower.length).trim();
  return undefined;
}

function params(text) {
  const out = {};
  for (const m of text.matchAll(/([a-z]+)=("([^"]*)"|[^,\s]+)/gi)) out[m[1].toLowerCase()] = m[3] ?? m[2];
  return out;
}

// Retransmissions (same top Via) get the same answer, as a transaction layer would give (RFC 3261 §17.2.2).
let answered = new Map();
let previous = new Map();

const socket = dgram.createSocket({ type: "udp4", recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
socket.on("message", (buf, rinfo) => {
  const text = buf.toString("latin1");
  if (!text.startsWith("REGISTER ")) return;
  const lines = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
  const topVia = lines.find((l) => /^(via|v):/i.test(l));
  const again = answered.get(topVia) ?? previous.get(topVia);
  if (again !== undefined) {
    socket.send(again, rinfo.port, rinfo.address);
    return;
  }
  const uri = lines[0].split(" ")[1];
  const vias = lines.filter((l) => /^(via|v):/i.test(l));
  const from = header(lines, "From");
  const to = header(lines, "To");
  const callId = header(lines, "Call-ID");
  const cseq = header(lines, "CSeq");
  const contact = header(lines, "Contact") ?? "";
  const auth = header(lines, "Authorization");
  let status = "401 Unauthorized";
  let extra = "";
  if (auth !== undefined) {
    const p = params(auth);
    const last = nonces.get(p.nonce);
    const nc = Number.parseInt(p.nc ?? "0", 16);
    const ha1 = md5(`${p.username}:${REALM}:${PASSWORD}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
    if (last !== undefined && nc > last && expected === p.response) {
      nonces.set(p.nonce, nc);
      status = "200 OK";
      const m = /<([^>]*)>.*expires=(\d+)/.exec(contact);
      extra = m ? `Contact: <${m[1]}>;expires=${m[2]}\r\n` : "";
      accepted++;
    } else rejected++;
  }
  if (status.startsWith("401")) {
    const nonce = randomBytes(8).toString("hex");
    nonces.set(nonce, 0);
    challenges++;
    extra = `WWW-Authenticate: Digest realm="${REALM}", nonce="${nonce}", qop="auth", algorithm=MD5\r\n`;
  }
  const res = `SIP/2.0 ${status}\r\n${vias.join("\r\n")}\r\nFrom: ${from}\r\nTo: ${to};tag=b1\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n${extra}Content-Length: 0\r\n\r\n`;
  const bytes = Buffer.from(res, "latin1");
  answered.set(topVia, bytes);
  if (answered.size > 50_000) {
    previous = answered;
    answered = new Map();
  }
  socket.send(bytes, rinfo.port, rinfo.address);
});
socket.bind(0, "127.0.0.1", () => process.send?.({ port: socket.address().port }));
process.on("message", (m) => {
  if (m === "stats") process.send?.({ stats: { challenges, accepted, rejected, cpu: process.cpuUsage() } });
  if (m === "exit") socket.close(() => process.exit(0));
});
