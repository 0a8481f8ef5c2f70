import dgram from "node:dgram";
import type { AddressInfo } from "node:net";

/** Test peer: headers of a raw request, and a response echoing Via/From/To/Call-ID/CSeq (like a registrar would). */
export function headerLines(raw: string, name: string): string[] {
  const head = raw.split("\r\n\r\n")[0] ?? "";
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, "i");
  return head
    .split("\r\n")
    .slice(1)
    .map((l) => re.exec(l)?.[1])
    .filter((v): v is string => v !== undefined);
}

export function echoResponse(
  raw: string,
  status: number,
  reason: string,
  opts?: { viaSuffix?: string; cseq?: string; callId?: string; branch?: string },
): string {
  let via = headerLines(raw, "Via")[0] ?? "";
  if (opts?.branch !== undefined) via = via.replace(/branch=[^;]+/, `branch=${opts.branch}`);
  if (opts?.viaSuffix !== undefined) via = via.replace(/;rport\b(?!=)/, "") + opts.viaSuffix;
  return (
    `SIP/2.0 ${status} ${reason}\r\n` +
    `Via: ${via}\r\n` +
    `From: ${headerLines(raw, "From")[0]}\r\n` +
    `To: ${headerLines(raw, "To")[0]};tag=peer\r\n` +
    `Call-ID: ${opts?.callId ?? headerLines(raw, "Call-ID")[0]}\r\n` +
    `CSeq: ${opts?.cseq ?? headerLines(raw, "CSeq")[0]}\r\n` +
    "Content-Length: 0\r\n\r\n"
  );
}

export interface UdpPeer {
  port: number;
  address: string;
  received: Array<{ text: string; port: number; address: string }>;
  socket: dgram.Socket;
  close(): Promise<void>;
  /** Resolves when `n` datagrams have arrived in total. */
  waitFor(n: number): Promise<void>;
}

/** A UDP peer on loopback (port chosen by the OS); `onRequest` may answer with `reply(text)`. */
export async function udpPeer(
  onRequest?: (text: string, reply: (text: string) => void, index: number) => void,
  family: 4 | 6 = 4,
): Promise<UdpPeer> {
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  const address = family === 6 ? "::1" : "127.0.0.1";
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  const received: UdpPeer["received"] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  socket.on("message", (msg, rinfo) => {
    const text = msg.toString("utf8");
    received.push({ text, port: rinfo.port, address: rinfo.address });
    for (const w of waiters.splice(0)) {
      if (received.length >= w.n) w.resolve();
      else waiters.push(w);
    }
    onRequest?.(text, (t) => socket.send(t, rinfo.port, rinfo.address), received.length - 1);
  });
  return {
    port: (socket.address() as AddressInfo).port,
    address,
    received,
    socket,
    close: () => new Promise((r) => socket.close(() => r())),
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/**
 * An OPTIONS the transport answers statelessly (200 OK, RFC 3261 §11), used as a marker: sent after other datagrams
 * from the same socket, its answer proves the transport has handled everything sent before it (loopback keeps the
 * order of datagrams), so a test checks "nothing else happened" by order on the wire instead of by waiting.
 */
export function optionsRequest(callId: string): string {
  return (
    "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\n" +
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${callId};rport\r\n` +
    "From: <sip:marker@reg.test>;tag=m1\r\nTo: <sip:alice@127.0.0.1>\r\n" +
    `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

let markers = 0;

/**
 * Sends `text` (when given) and then an {@link optionsRequest} marker from `socket` to the transport listening on
 * `port`; resolves with the datagrams `socket` received before the marker's answer, in order. An empty list means
 * the transport sent nothing back for `text` — proven by the marker overtaking it, not by a wait.
 */
export function answersBeforeMarker(
  socket: dgram.Socket,
  port: number,
  text?: string | Buffer,
  address = "127.0.0.1",
): Promise<string[]> {
  const callId = `marker${++markers}`;
  const before: string[] = [];
  const done = new Promise<string[]>((resolve) => {
    const onMessage = (m: Buffer) => {
      const answer = m.toString("utf8");
      if (headerLines(answer, "Call-ID")[0] !== callId) {
        before.push(answer);
        return;
      }
      socket.off("message", onMessage);
      resolve(before);
    };
    socket.on("message", onMessage);
  });
  if (text !== undefined) socket.send(text, port, address);
  socket.send(optionsRequest(callId), port, address);
  return done;
}

let seq = 0;
/** A REGISTER as the engine would hand it over (every header but Via). */
export function register(nextHop: string, extra?: { callId?: string; cseq?: number; method?: string }) {
  seq++;
  const method = extra?.method ?? "REGISTER";
  const callId = extra?.callId ?? `call${seq}abcdef0123456789abcdef`;
  const cseq = extra?.cseq ?? 1;
  return {
    method,
    requestUri: nextHop.replace(/;.*$/, ""),
    headers:
      "To: <sip:alice@reg.test>\r\n" +
      "From: <sip:alice@reg.test>;tag=a1b2c\r\n" +
      `CSeq: ${cseq} ${method}\r\n` +
      `Call-ID: ${callId}\r\n` +
      "Max-Forwards: 70\r\n" +
      "Content-Length: 0\r\n" +
      "Contact: <sip:alice@127.0.0.1:5060>;expires=60\r\n",
    callId,
    cseq,
    nextHop,
  };
}

/** Sends `text` to `port` on 127.0.0.1 from a fresh UDP socket and resolves with the first datagram answered. */
export async function askOnce(port: number, text: string): Promise<string> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const answer = new Promise<string>((resolve) => s.once("message", (m: Buffer) => resolve(String(m))));
  s.send(text, port, "127.0.0.1");
  const r = await answer;
  s.close();
  return r;
}
