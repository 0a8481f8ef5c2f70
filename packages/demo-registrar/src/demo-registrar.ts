import { randomBytes } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import {
  type HeaderField,
  isSipUri,
  parseContacts,
  parseCSeq,
  parseDeltaSeconds,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  type SipRequest,
  SipResponse,
  serializeMessage,
} from "@uacreg/sip";
import { type Clock, systemClock } from "@uacreg/runtime";
import { type Binding, BindingTable, type BindingUpdate } from "./binding-table.js";
import { DigestVerifier } from "./digest-verifier.js";
import type { RegisterLogContact, RegisterLogEntry } from "./register-log.js";
import { ResponseCache } from "./response-cache.js";

export type { Binding } from "./binding-table.js";

/** Options of {@link startDemoRegistrar}. */
export interface DemoRegistrarOptions {
  /** Address to bind. Default 127.0.0.1 (the demo is meant for loopback). */
  host?: string;
  /** UDP port; 0 (the default) lets the OS pick one. */
  port?: number;
  /** username → password. Every REGISTER must authenticate as one of them, and as the user of its To AOR. */
  users: Record<string, string>;
  /** Digest realm. Default "uacreg.demo". */
  realm?: string;
  /** Below this a REGISTER gets 423 with Min-Expires (RFC 3261 §10.3 step 7). Default 60. */
  minExpires?: number;
  /** Longer requests are granted this much. Default 3600. */
  maxExpires?: number;
  /** Expiry when the REGISTER asks for none (clamped to [min, max]). Default 3600. */
  defaultExpires?: number;
  /** How long a nonce may be reused with a higher nc (ms). Default 300 000 (5 min). */
  nonceLifetimeMs?: number;
  /** Status for credentials that are present but wrong: 401 with a fresh, non-stale challenge (default, like
   * Kamailio, OpenSIPS and Asterisk), or 403. */
  wrongCredentialsStatus?: 401 | 403;
  /** Where binding expiry and nonce age are measured (monotonic `now()`). Default `systemClock`; tests pass a
   * `VirtualClock` from `@uacreg/runtime/testing`. */
  clock?: Clock;
  /** Called for each registration change (never with a password). */
  onEvent?: (event: DemoRegistrarEvent) => void;
  /** Called for EVERY REGISTER received, retransmissions included, with the answer sent (never a password). */
  registerLog?: (entry: RegisterLogEntry) => void;
  /**
   * Status for a REGISTER whose Call-ID matches a binding's and whose CSeq is not higher (RFC 3261 §10.3 step 7
   * says the request fails, not with which code). Default 500, this registrar's answer so far; Kamailio's registrar
   * answers 400 ("Invalid CSeq number"), which docs/cluster.md §4 assumes. Nothing changes either way.
   */
  outOfOrderStatus?: 400 | 500;
  /** SO_RCVBUF of the UDP socket, bytes (`socket.setRecvBufferSize`): a small one makes a registrar that drops
   * datagrams under a burst. Default: the system's. */
  recvBufferSize?: number;
}

export type DemoRegistrarEvent =
  | { type: "registered"; aor: string; contact: string; expires: number; source: string }
  | { type: "unregistered"; aor: string; contact: string; source: string }
  | { type: "rejected"; aor: string; status: number; reason: string; source: string };

/** Counters of a running registrar. */
export interface DemoRegistrarStats {
  received: number;
  /** Datagrams that were not a SIP request we could parse (dropped silently). */
  dropped: number;
  /** Retransmissions answered from the transaction cache. */
  retransmissions: number;
  challenged: number;
  registered: number;
  unregistered: number;
  rejected: number;
  options: number;
}

export interface DemoRegistrar {
  readonly host: string;
  readonly port: number;
  /** The live bindings (all AORs, or one), with the seconds left. */
  bindings(aor?: string): Array<Binding & { expires: number }>;
  stats(): DemoRegistrarStats;
  close(): Promise<void>;
}

/** Error for options that cannot work; names the option. */
export class DemoRegistrarConfigError extends Error {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = "DemoRegistrarConfigError";
    this.option = option;
  }
}

const SERVER = "uacreg-demo-registrar";
const ALLOW = "REGISTER, OPTIONS";

/**
 * Starts a small UDP registrar (RFC 3261 §10.3) with Digest authentication (RFC 7616, MD5, qop=auth) on loopback:
 * bindings in memory, nonces reusable with a higher nc for `nonceLifetimeMs`, retransmissions answered from a
 * transaction cache, OPTIONS answered 200, anything unparseable dropped.
 */
export async function startDemoRegistrar(opts: DemoRegistrarOptions): Promise<DemoRegistrar> {
  const host = opts.host ?? "127.0.0.1";
  const realm = opts.realm ?? "uacreg.demo";
  const minExpires = opts.minExpires ?? 60;
  const maxExpires = opts.maxExpires ?? 3600;
  const defaultExpires = Math.min(Math.max(opts.defaultExpires ?? 3600, minExpires), maxExpires);
  if (!Number.isInteger(minExpires) || minExpires < 1) {
    throw new DemoRegistrarConfigError("minExpires", "must be a positive integer");
  }
  if (!Number.isInteger(maxExpires) || maxExpires < minExpires) {
    throw new DemoRegistrarConfigError("maxExpires", "must be an integer not below minExpires");
  }
  const outOfOrderStatus = opts.outOfOrderStatus ?? 500;
  if (outOfOrderStatus !== 400 && outOfOrderStatus !== 500) {
    throw new DemoRegistrarConfigError("outOfOrderStatus", "must be 400 or 500");
  }
  if (opts.recvBufferSize !== undefined && (!Number.isInteger(opts.recvBufferSize) || opts.recvBufferSize < 1)) {
    throw new DemoRegistrarConfigError("recvBufferSize", "must be a positive integer (bytes)");
  }
  if (typeof opts.users !== "object" || opts.users === null) {
    throw new DemoRegistrarConfigError("users", "must be an object of username → password");
  }
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const users = new Map(Object.entries(opts.users));
  const verifier = new DigestVerifier({
    realm,
    users,
    nonceLifetimeMs: opts.nonceLifetimeMs ?? 300_000,
    maxNonces: 100_000,
  });
  const table = new BindingTable();
  const cache = new ResponseCache();
  const stats: DemoRegistrarStats = {
    received: 0,
    dropped: 0,
    retransmissions: 0,
    challenged: 0,
    registered: 0,
    unregistered: 0,
    rejected: 0,
    options: 0,
  };
  /** Whether the request being answered changed a binding (set by `answer`, read by the REGISTER log). */
  let changed = false;
  const emit = (e: DemoRegistrarEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a listener's failure must not break the registrar
    }
  };

  const socket: Socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  if (opts.recvBufferSize !== undefined) socket.setRecvBufferSize(opts.recvBufferSize);
  socket.on("error", () => {
    // ICMP errors on sends (peer gone) surface here on some platforms: nothing to do.
  });

  socket.on("message", (buf, rinfo) => {
    stats.received++;
    try {
      handle(buf, rinfo);
    } catch {
      // Nothing from the network may throw out of the handler (bad input is dropped).
      stats.dropped++;
    }
  });

  function send(bytes: Uint8Array, rinfo: RemoteInfo): void {
    socket.send(bytes, rinfo.port, rinfo.address);
  }

  function handle(buf: Buffer, rinfo: RemoteInfo): void {
    let msg: ReturnType<typeof parseMessage>;
    try {
      msg = parseMessage(buf);
    } catch {
      stats.dropped++;
      return;
    }
    if (msg instanceof SipResponse) {
      stats.dropped++;
      return;
    }
    const req = msg;
    const viaValue = req.getHeader("via");
    const cseqValue = req.getHeader("cseq");
    const callId = req.getHeader("call-id");
    if (!viaValue || !cseqValue || !callId || !req.getHeader("from") || !req.getHeader("to")) {
      stats.dropped++; // RFC 3261 §8.1.1: without these there is nothing to answer to
      return;
    }
    const via = parseVia(viaValue)[0];
    const cseq = parseCSeq(cseqValue);
    if (!via) {
      stats.dropped++;
      return;
    }
    if (req.method === "ACK") return; // never answered (RFC 3261 §17.2.1)
    const key = ResponseCache.key(via.branch ?? "", `${via.host}:${via.port ?? ""}`, cseq.method);
    const t = now();
    if (via.branch?.startsWith("z9hG4bK")) {
      const cached = cache.get(key, t);
      if (cached) {
        stats.retransmissions++;
        send(cached.response, rinfo);
        if (req.method === "REGISTER") logRegister(req, cseq.seq, callId, rinfo, cached.status, false, true);
        return;
      }
    }
    changed = false;
    const response = answer(req, cseq, callId, rinfo, t);
    const bytes = serializeMessage(response);
    if (via.branch?.startsWith("z9hG4bK")) cache.set(key, bytes, response.status, t);
    send(bytes, rinfo);
    if (req.method === "REGISTER") logRegister(req, cseq.seq, callId, rinfo, response.status, changed, false);
  }

  function logRegister(
    req: SipRequest,
    seq: number,
    callId: string,
    rinfo: RemoteInfo,
    status: number,
    didChange: boolean,
    retransmission: boolean,
  ): void {
    const log = opts.registerLog;
    if (!log) return;
    let contacts: RegisterLogContact[] = [];
    let wildcard = false;
    try {
      const parsed = parseContacts(req.getHeaders("contact"));
      wildcard = parsed.wildcard;
      const header = req.getHeader("expires");
      const headerExpires = header === undefined ? undefined : parseDeltaSeconds(header);
      contacts = parsed.contacts.map((c) => {
        const param = c.params.get("expires");
        const asked = typeof param === "string" ? parseDeltaSeconds(param) : headerExpires;
        return { uri: c.uri, expires: asked ?? null };
      });
    } catch {
      // a malformed Contact is logged with no contacts (it was answered 400)
    }
    try {
      log({
        at: clock.wallNow(),
        source: `${rinfo.address}:${rinfo.port}`,
        transport: "udp",
        aor: aorOf(req.getHeader("to") ?? "")?.text ?? "",
        contacts,
        wildcard,
        callId,
        cseq: seq,
        status,
        changed: didChange,
        retransmission,
      });
    } catch {
      // a listener's failure must not break the registrar
    }
  }

  function reply(
    req: SipRequest,
    rinfo: RemoteInfo,
    status: number,
    reason: string,
    extra: HeaderField[] = [],
  ): SipResponse {
    // RFC 3261 §8.2.6.2: copy Via, From, Call-ID, CSeq; To gets a tag if it had none.
    const headers: HeaderField[] = [];
    req.getHeaders("via").forEach((v, i) => {
      headers.push({ name: "Via", value: i === 0 ? withRport(v, rinfo) : v });
    });
    const to = req.getHeader("to") ?? "";
    headers.push({ name: "From", value: req.getHeader("from") ?? "" });
    headers.push({ name: "To", value: hasTag(to) ? to : `${to};tag=${randomBytes(5).toString("hex")}` });
    headers.push({ name: "Call-ID", value: req.getHeader("call-id") ?? "" });
    headers.push({ name: "CSeq", value: req.getHeader("cseq") ?? "" });
    headers.push(...extra);
    headers.push({ name: "Server", value: SERVER });
    headers.push({ name: "Content-Length", value: "0" });
    return new SipResponse({ status, reason, headers });
  }

  function answer(
    req: SipRequest,
    cseq: { seq: number; method: string },
    callId: string,
    rinfo: RemoteInfo,
    t: number,
  ): SipResponse {
    const source = `${rinfo.address}:${rinfo.port}`;
    if (req.method === "OPTIONS") {
      stats.options++;
      return reply(req, rinfo, 200, "OK", [
        { name: "Allow", value: ALLOW },
        { name: "Accept", value: "application/sdp" },
      ]);
    }
    if (req.method !== "REGISTER")
      return reply(req, rinfo, 405, "Method Not Allowed", [{ name: "Allow", value: ALLOW }]);

    const aor = aorOf(req.getHeader("to") ?? "");
    if (!aor) return reject(req, rinfo, "", 400, "Bad Request", "To is not a SIP URI", source);

    // Authentication first (RFC 3261 §10.3 step 3), so nothing is revealed to an unauthenticated client.
    const verdict = verifier.verify(req.getHeaders("authorization"), "REGISTER", t);
    if (!verdict.ok) {
      if (verdict.reason === "rejected" && (opts.wrongCredentialsStatus ?? 401) === 403) {
        return reject(req, rinfo, aor.text, 403, "Forbidden", "wrong credentials", source);
      }
      stats.challenged++;
      if (verdict.reason === "rejected") emitRejected(aor.text, 401, "wrong credentials", source);
      const nonce = randomBytes(16).toString("hex");
      return reply(req, rinfo, 401, "Unauthorized", [
        { name: "WWW-Authenticate", value: verifier.challenge(nonce, t, verdict.reason === "stale") },
      ]);
    }
    // RFC 3261 §10.3 step 4: the authenticated user may register this AOR (here: only its own).
    if (verdict.username !== aor.user) {
      return reject(req, rinfo, aor.text, 403, "Forbidden", `${verdict.username} may not register ${aor.text}`, source);
    }

    let contacts: ReturnType<typeof parseContacts>;
    try {
      contacts = parseContacts(req.getHeaders("contact"));
    } catch {
      return reject(req, rinfo, aor.text, 400, "Bad Request", "malformed Contact", source);
    }
    const expiresHeader = req.getHeader("expires");
    const headerExpires = expiresHeader === undefined ? undefined : parseDeltaSeconds(expiresHeader);
    if (expiresHeader !== undefined && headerExpires === undefined) {
      return reject(req, rinfo, aor.text, 400, "Bad Request", "malformed Expires", source);
    }

    if (contacts.wildcard) {
      // RFC 3261 §10.3 step 6: "*" only alone and with Expires: 0.
      if (contacts.contacts.length > 0 || headerExpires !== 0) {
        return reject(
          req,
          rinfo,
          aor.text,
          400,
          "Bad Request",
          "Contact: * needs Expires: 0 and no other contact",
          source,
        );
      }
      const before = table.get(aor.text, t);
      if (table.removeAll(aor.text, callId, cseq.seq, t) === "out-of-order") return outOfOrder(req, rinfo, aor.text);
      changed = before.length > 0;
      for (const b of before) {
        stats.unregistered++;
        emit({ type: "unregistered", aor: aor.text, contact: b.contact, source });
      }
      return reply(req, rinfo, 200, "OK", [{ name: "Date", value: new Date(t).toUTCString() }]);
    }

    const updates: BindingUpdate[] = [];
    for (const c of contacts.contacts) {
      const param = c.params.get("expires");
      const asked = param === undefined || param === null ? headerExpires : parseDeltaSeconds(param);
      if (param !== undefined && asked === undefined) {
        return reject(req, rinfo, aor.text, 400, "Bad Request", "malformed expires parameter", source);
      }
      const wanted = asked ?? defaultExpires;
      if (wanted !== 0 && wanted < minExpires) {
        stats.rejected++;
        emit({ type: "rejected", aor: aor.text, status: 423, reason: `expires ${wanted} < ${minExpires}`, source });
        return reply(req, rinfo, 423, "Interval Too Brief", [{ name: "Min-Expires", value: String(minExpires) }]);
      }
      updates.push({
        contact: c.uri,
        params: paramsText(c.params),
        paramMap: c.params,
        expires: Math.min(wanted, maxExpires),
      });
    }
    const before = new Set(table.get(aor.text, t).map((b) => b.contact));
    if (table.apply(aor.text, updates, callId, cseq.seq, t) === "out-of-order") return outOfOrder(req, rinfo, aor.text);
    for (const u of updates) {
      if (u.expires === 0) {
        if (before.has(u.contact)) {
          changed = true;
          stats.unregistered++;
          emit({ type: "unregistered", aor: aor.text, contact: u.contact, source });
        }
      } else {
        changed = true;
        stats.registered++;
        emit({ type: "registered", aor: aor.text, contact: u.contact, expires: u.expires, source });
      }
    }
    // RFC 3261 §10.3 step 8: the 200 lists every current binding with its expires.
    const extra: HeaderField[] = table.get(aor.text, t).map((b) => ({
      name: "Contact",
      value: `<${b.contact}>${b.params};expires=${Math.max(0, Math.round((b.expiresAt - t) / 1000))}`,
    }));
    extra.push({ name: "Date", value: new Date(t).toUTCString() });
    return reply(req, rinfo, 200, "OK", extra);
  }

  /** RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher: the request fails and no binding changes. */
  function outOfOrder(req: SipRequest, rinfo: RemoteInfo, aor: string): SipResponse {
    const source = `${rinfo.address}:${rinfo.port}`;
    if (outOfOrderStatus === 400) return reject(req, rinfo, aor, 400, "Bad Request", "CSeq out of order", source);
    return reject(req, rinfo, aor, 500, "Server Internal Error", "CSeq out of order", source);
  }

  function emitRejected(aor: string, status: number, reason: string, source: string): void {
    stats.rejected++;
    emit({ type: "rejected", aor, status, reason, source });
  }

  function reject(
    req: SipRequest,
    rinfo: RemoteInfo,
    aor: string,
    status: number,
    reason: string,
    why: string,
    source: string,
  ): SipResponse {
    emitRejected(aor, status, why, source);
    return reply(req, rinfo, status, reason);
  }

  const address = socket.address();
  let closed = false;
  return {
    host,
    port: address.port,
    bindings(aor?: string) {
      const t = now();
      const list = aor === undefined ? table.all(t) : table.get(aor, t);
      return list.map((b) => ({ ...b, expires: Math.max(0, Math.round((b.expiresAt - t) / 1000)) }));
    },
    stats: () => ({ ...stats }),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/**
 * RFC 3581 §4: when the top via-parm has a valueless `rport`, the response carries `rport=<source port>` and
 * `received=<source address>`. (Responses always go back to the source address and port of the request.)
 */
function withRport(via: string, rinfo: RemoteInfo): string {
  let top: ReturnType<typeof parseVia>[number] | undefined;
  try {
    top = parseVia(via)[0];
  } catch {
    return via;
  }
  if (top?.rport !== true) return via;
  return via.replace(/;\s*rport(?=\s*(?:[;,]|$))/i, `;rport=${rinfo.port};received=${rinfo.address}`);
}

function hasTag(nameAddr: string): boolean {
  try {
    return parseNameAddr(nameAddr).params.has("tag");
  } catch {
    return false;
  }
}

/** The AOR of a To value: `sip:user@host` (scheme and host lower-cased, no port, no parameters). */
function aorOf(to: string): { text: string; user: string } | undefined {
  try {
    const uri = parseUri(parseNameAddr(to).uri);
    if (!isSipUri(uri) || uri.user === undefined) return undefined;
    return { text: `${uri.scheme}:${uri.user}@${uri.host.toLowerCase()}`, user: uri.user };
  } catch {
    return undefined;
  }
}

function paramsText(params: ReadonlyMap<string, string | null>): string {
  let out = "";
  for (const [name, value] of params) {
    if (name === "expires") continue;
    out += value === null ? `;${name}` : `;${name}=${value}`;
  }
  return out;
}
