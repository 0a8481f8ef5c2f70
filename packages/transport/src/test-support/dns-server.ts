import dgram from "node:dgram";
import { isIPv4, isIPv6 } from "node:net";
import type { AddressInfo } from "node:net";
import type { DnsZone, NaptrRecord, SrvRecord } from "../dns-lookup.js";

/** The query types the server answers (RFC 1035 §3.2.2, RFC 3596 AAAA, RFC 2782 SRV, RFC 3403 NAPTR). */
export type DnsQueryType = "a" | "aaaa" | "srv" | "naptr";

const TYPE_CODE: Record<DnsQueryType, number> = { a: 1, aaaa: 28, srv: 33, naptr: 35 };
const CODE_TYPE = new Map<number, DnsQueryType>(Object.entries(TYPE_CODE).map(([k, v]) => [v, k as DnsQueryType]));

/** RFC 1035 §4.1.1 RCODE values the server sends. */
const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;

/**
 * How the server treats one name and type instead of answering from the zone:
 * - `refused` / `servfail`: an error answer with that RCODE (RFC 1035 §4.1.1);
 * - `drop`: no answer at all (the client times out);
 * - `hold`: the query is kept unanswered until {@link LoopbackDnsServer.release} (a slow answer, released by the test).
 */
export type DnsBehaviour = "refused" | "servfail" | "drop" | "hold";

/** One question the server received. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: DnsQueryType | number;
}

export interface LoopbackDnsServer {
  /** `127.0.0.1:<port>`, for `Resolver.setServers`. */
  readonly server: string;
  readonly port: number;
  /** Every question received, in order (retries included). */
  readonly questions: DnsQuestion[];
  /** Sets (or with `undefined` clears) the behaviour for `name` and `type`. */
  behave(name: string, type: DnsQueryType, behaviour: DnsBehaviour | undefined): void;
  /** Answers every held query of `name`/`type` from the zone and stops holding them; resolves to how many. */
  release(name: string, type: DnsQueryType): number;
  /** Resolves when `n` questions for `name`/`type` have arrived in total. */
  waitForQuestions(name: string, type: DnsQueryType, n: number): Promise<void>;
  close(): Promise<void>;
}

function key(name: string, type: DnsQueryType | number): string {
  return `${String(type)} ${name.toLowerCase().replace(/\.$/, "")}`;
}

/**
 * A small authoritative DNS server over UDP for RFC 3263 tests (RFC 1035 §4 message format): it answers A, AAAA,
 * SRV and NAPTR from a {@link DnsZone} (a name present under no type gets NXDOMAIN, a known name without the asked
 * type an empty NOERROR), and can be told per name and type to refuse, fail, stay silent or answer only when released.
 * Bound to 127.0.0.1 on a port chosen by the OS. Malformed queries get FORMERR; nothing it receives can crash it.
 */
export async function startDnsServer(zone: DnsZone): Promise<LoopbackDnsServer> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = (socket.address() as AddressInfo).port;
  const behaviours = new Map<string, DnsBehaviour>();
  const held = new Map<string, Array<() => void>>();
  const questions: DnsQuestion[] = [];
  const waiters: Array<{ k: string; n: number; resolve: () => void }> = [];
  const counts = new Map<string, number>();

  socket.on("message", (msg, rinfo) => {
    const send = (b: Buffer) => socket.send(b, rinfo.port, rinfo.address);
    const q = parseQuery(msg);
    if (q === undefined) {
      if (msg.length >= 2) send(header(msg.readUInt16BE(0), 0, RCODE.formErr, 0, 0));
      return;
    }
    const type = CODE_TYPE.get(q.qtype) ?? q.qtype;
    questions.push({ name: q.name, type });
    const k = key(q.name, type);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const w of waiters.splice(0)) {
      if ((counts.get(w.k) ?? 0) >= w.n) w.resolve();
      else waiters.push(w);
    }
    const behaviour = behaviours.get(k);
    if (behaviour === "drop") return;
    if (behaviour === "refused" || behaviour === "servfail") {
      send(reply(msg, q, behaviour === "refused" ? RCODE.refused : RCODE.servFail, []));
      return;
    }
    const answer = () => send(answerFromZone(zone, msg, q));
    if (behaviour === "hold") {
      const list = held.get(k) ?? [];
      list.push(answer);
      held.set(k, list);
      return;
    }
    answer();
  });

  return {
    server: `127.0.0.1:${port}`,
    port,
    questions,
    behave(name, type, behaviour) {
      if (behaviour === undefined) behaviours.delete(key(name, type));
      else behaviours.set(key(name, type), behaviour);
    },
    release(name, type) {
      const k = key(name, type);
      if (behaviours.get(k) === "hold") behaviours.delete(k);
      const list = held.get(k) ?? [];
      held.delete(k);
      for (const answer of list) answer();
      return list.length;
    },
    waitForQuestions(name, type, n) {
      const k = key(name, type);
      if ((counts.get(k) ?? 0) >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ k, n, resolve }));
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

interface ParsedQuery {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly qtype: number;
  /** Offset just past the question section. */
  readonly end: number;
}

/** RFC 1035 §4.1: a standard query with one question; undefined for anything else or a malformed message. */
function parseQuery(msg: Buffer): ParsedQuery | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) !== 0 || ((flags >> 11) & 0xf) !== 0) return undefined; // a response, or not QUERY
  if (msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    off++;
    if (len === 0) break;
    if (len > 63 || off + len > msg.length) return undefined; // no compression in a question
    labels.push(msg.toString("latin1", off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  return { id: msg.readUInt16BE(0), flags, name: labels.join("."), qtype: msg.readUInt16BE(off), end: off + 4 };
}

function header(id: number, queryFlags: number, rcode: number, qd: number, an: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  // QR, AA, RD copied from the query, RCODE.
  b.writeUInt16BE(0x8000 | 0x0400 | (queryFlags & 0x0100) | rcode, 2);
  b.writeUInt16BE(qd, 4);
  b.writeUInt16BE(an, 6);
  return b;
}

function reply(msg: Buffer, q: ParsedQuery, rcode: number, answers: Buffer[]): Buffer {
  return Buffer.concat([header(q.id, q.flags, rcode, 1, answers.length), msg.subarray(12, q.end), ...answers]);
}

function lookup<T>(table: Record<string, T[]> | undefined, name: string): T[] | undefined {
  if (table === undefined) return undefined;
  const k = name.toLowerCase().replace(/\.$/, "");
  for (const [n, records] of Object.entries(table)) if (n.toLowerCase().replace(/\.$/, "") === k) return records;
  return undefined;
}

function answerFromZone(zone: DnsZone, msg: Buffer, q: ParsedQuery): Buffer {
  const type = CODE_TYPE.get(q.qtype);
  const tables = [zone.a, zone.aaaa, zone.srv, zone.naptr];
  const known = tables.some((t) => lookup<unknown>(t, q.name) !== undefined);
  if (type === undefined) return reply(msg, q, known ? RCODE.noError : RCODE.nxDomain, []);
  if (!known) return reply(msg, q, RCODE.nxDomain, []);
  const ttl = zone.ttl ?? 300;
  const rdatas: Buffer[] =
    type === "a"
      ? (lookup(zone.a, q.name) ?? []).map(ipv4)
      : type === "aaaa"
        ? (lookup(zone.aaaa, q.name) ?? []).map(ipv6)
        : type === "srv"
          ? (lookup(zone.srv, q.name) ?? []).map(srv)
          : (lookup(zone.naptr, q.name) ?? []).map(naptr);
  return reply(
    msg,
    q,
    RCODE.noError,
    rdatas.map((rdata) => resourceRecord(q.qtype, ttl, rdata)),
  );
}

/** RFC 1035 §4.1.3: the owner is a pointer to the question name (offset 12). */
function resourceRecord(qtype: number, ttl: number, rdata: Buffer): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0xc00c, 0);
  b.writeUInt16BE(qtype, 2);
  b.writeUInt16BE(1, 4); // IN
  b.writeUInt32BE(ttl, 6);
  b.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([b, rdata]);
}

function domainName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, "")
    .split(".")
    .filter((l) => l.length > 0);
  return Buffer.concat([
    ...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "latin1")])),
    Buffer.from([0]),
  ]);
}

function characterString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, "latin1")]);
}

function ipv4(address: string): Buffer {
  if (!isIPv4(address)) throw new Error(`zone: not an IPv4 address: ${address}`);
  return Buffer.from(address.split(".").map(Number));
}

/** RFC 4291 §2.2 text form to 16 bytes. */
function ipv6(address: string): Buffer {
  if (!isIPv6(address)) throw new Error(`zone: not an IPv6 address: ${address}`);
  const [head = "", tail] = address.split("::");
  const groups = (s: string | undefined) => (s === undefined || s === "" ? [] : s.split(":"));
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  for (const [i, g] of all.entries()) b.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return b;
}

/** RFC 2782 RDATA. */
function srv(r: SrvRecord): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(r.priority, 0);
  b.writeUInt16BE(r.weight, 2);
  b.writeUInt16BE(r.port, 4);
  return Buffer.concat([b, domainName(r.name === "." ? "" : r.name)]);
}

/** RFC 3403 §4.1 RDATA. */
function naptr(r: NaptrRecord): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(r.order, 0);
  b.writeUInt16BE(r.preference, 2);
  return Buffer.concat([
    b,
    characterString(r.flags),
    characterString(r.service),
    characterString(r.regexp),
    domainName(r.replacement),
  ]);
}
