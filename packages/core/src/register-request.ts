import { writeAuthorizationParts } from "@uacreg/digest";
import { DigestAnswer } from "./digest-answer.js";

/**
 * REGISTER and unREGISTER building (docs/opensips-behaviour.md §4.1, §4.4, the wire captures in docs/captures/).
 *
 * Header order, as OpenSIPS 3.6.8 sends it (the transport inserts Via first):
 * `To, From, CSeq, Call-ID, Max-Forwards: 70, Content-Length: 0, User-Agent, Contact, [Expires: 0], [Authorization |
 * Proxy-Authorization]`. Everything that does not change between requests of one record is computed once, in
 * {@link RequestTemplate}; a request only adds the dialog identifiers, CSeq, the expiry and the credentials.
 */

/** A pinned destination (§4.3): the IP:port a real reply came from; later requests skip DNS. */
export interface Destination {
  readonly family: "IPv4" | "IPv6";
  readonly address: string;
  readonly port: number;
}

/**
 * The request the transport sends (it adds Via, resolves `nextHop` unless `destination` is given, retransmits).
 * `headers` holds every header line except Via, each ending in CRLF, in wire order; the body is always empty.
 */
export interface OutgoingRequest {
  readonly method: "REGISTER";
  readonly requestUri: string;
  readonly headers: string;
  readonly callId: string;
  readonly cseq: number;
  /** Outbound proxy if set, else the registrar (§4.3; never a Route header). */
  readonly nextHop: string;
  /** `proto:host:port` of the forced socket, when the row has one. */
  readonly socket?: string;
  readonly destination?: Destination;
}

/** Which of the three shapes: a binding with `;expires=W`, the same with `;expires=0`, or `Contact: *`. */
export type RequestForm = "register" | "unregister" | "wildcard";

/** The per-record constant parts, computed once when the record is created. */
export interface RequestTemplate {
  readonly requestUri: string;
  readonly nextHop: string;
  readonly socket?: string;
  /** `To: <AOR>\r\n` */
  readonly to: string;
  /** `From: <third party or AOR>;tag=` */
  readonly fromPrefix: string;
  /** `Max-Forwards: 70\r\nContent-Length: 0\r\nUser-Agent: …\r\n` */
  readonly constant: string;
  /** `Contact: <binding><binding_params>;expires=` */
  readonly contactPrefix: string;
}

/**
 * User-Agent when the caller gives none. No version: the library does not know the release it ships in; the daemon
 * passes `uacreg/<release>` (apps/uacregd version.ts, from @uacreg/release).
 */
export const DEFAULT_USER_AGENT = "uacreg";

export interface TemplateInput {
  registrar: string;
  proxy?: string | undefined;
  aor: string;
  thirdParty?: string | undefined;
  binding: string;
  bindingParams?: string | undefined;
  forcedSocket?: string | undefined;
  userAgent: string;
}

/** Precomputes the constant header block of a record (§4.1). */
export function buildRequestTemplate(input: TemplateInput): RequestTemplate {
  return buildRequestTemplateFrom(input, `Max-Forwards: 70\r\nContent-Length: 0\r\nUser-Agent: ${input.userAgent}\r\n`);
}

/** The same, with the `Max-Forwards`/`Content-Length`/`User-Agent` block already built. */
export function buildRequestTemplateFrom(input: Omit<TemplateInput, "userAgent">, constant: string): RequestTemplate {
  const template: RequestTemplate = {
    requestUri: input.registrar,
    nextHop: input.proxy ?? input.registrar,
    to: `To: <${input.aor}>\r\n`,
    fromPrefix: `From: <${input.thirdParty ?? input.aor}>;tag=`,
    constant,
    contactPrefix: `Contact: <${input.binding}>${input.bindingParams ?? ""};expires=`,
  };
  return input.forcedSocket === undefined ? template : { ...template, socket: input.forcedSocket };
}

/** Credentials to add: the header name follows the challenge (401 → Authorization, 407 → Proxy-Authorization). */
export interface RequestCredentials {
  readonly header: "Authorization" | "Proxy-Authorization";
  readonly value: string;
}

export interface RequestParts {
  form: RequestForm;
  callId: string;
  fromTag: string;
  cseq: number;
  /** W, for the `register` form. */
  expires: number;
  /** One set, or several for several realms (RFC 3261 §22.3: a proxy's and the registrar's), in that order. */
  credentials?: RequestCredentials | readonly RequestCredentials[] | undefined;
  destination?: Destination | undefined;
}

/** The credential header lines of a request. */
function credentialLines(c: RequestParts["credentials"]): string {
  if (c === undefined) return "";
  if (!Array.isArray(c)) {
    const one = c as RequestCredentials;
    return `${one.header}: ${one.value}\r\n`;
  }
  let lines = "";
  for (const x of c as readonly RequestCredentials[]) lines += `${x.header}: ${x.value}\r\n`;
  return lines;
}

/** One REGISTER (§4.1) or unREGISTER (§4.4) from the record's template. */
export function buildRequest(t: RequestTemplate, p: RequestParts): OutgoingRequest {
  let headers = `${t.to}${t.fromPrefix}${p.fromTag}\r\nCSeq: ${p.cseq} REGISTER\r\nCall-ID: ${p.callId}\r\n${t.constant}`;
  if (p.form === "wildcard") headers += "Contact: *\r\nExpires: 0\r\n";
  else headers += `${t.contactPrefix}${p.form === "register" ? p.expires : 0}\r\n`;
  headers += credentialLines(p.credentials);
  const request: {
    -readonly [K in keyof OutgoingRequest]: OutgoingRequest[K];
  } = {
    method: "REGISTER",
    requestUri: t.requestUri,
    headers,
    callId: p.callId,
    cseq: p.cseq,
    nextHop: t.nextHop,
  };
  if (t.socket !== undefined) request.socket = t.socket;
  if (p.destination !== undefined) request.destination = p.destination;
  return request;
}

/**
 * What a request needs from the record's row, read at send time: {@link RegistrantConfig} gives these (the row's own
 * strings and the shared User-Agent block), so no per-record template is kept in memory.
 */
export interface RequestSource {
  readonly registrar: string;
  readonly proxy?: string | undefined;
  readonly aor: string;
  readonly thirdPartyRegistrant?: string | undefined;
  readonly binding: string;
  readonly bindingParams?: string | undefined;
  readonly forcedSocket?: string | undefined;
}

/**
 * The header block's parts in wire order, joined into one flat string: a template literal builds a chain of cons
 * strings (one per `${}` and `+=`), which the transport's write then copies flat (docs/performance.md, "Bytes per
 * refresh in core and digest"). One fixed array written by index and reused; every slot used is cleared after the join.
 * 46 slots: the most a request with one digest answer uses (a Contact with params, the value's up to 24 parts); two
 * answers (two realms) grow it once. The join's temporary copy of the slots is as long as the array.
 */
const PARTS: Array<string | number> = new Array<string | number>(46).fill("");

/** {@link buildRequest} from the row's parts and the shared User-Agent block: the same bytes, nothing kept. */
export function buildRequestFrom(c: RequestSource, constant: string, p: RequestParts): OutgoingRequest {
  const aor = c.aor;
  const h = PARTS;
  h[0] = "To: <";
  h[1] = aor;
  h[2] = ">\r\nFrom: <";
  h[3] = c.thirdPartyRegistrant ?? aor;
  h[4] = ">;tag=";
  h[5] = p.fromTag;
  h[6] = "\r\nCSeq: ";
  h[7] = p.cseq;
  h[8] = " REGISTER\r\nCall-ID: ";
  h[9] = p.callId;
  h[10] = "\r\n";
  h[11] = constant;
  let i = 12;
  if (p.form === "wildcard") h[i++] = "Contact: *\r\nExpires: 0\r\n";
  else {
    h[i++] = "Contact: <";
    h[i++] = c.binding;
    h[i++] = ">";
    h[i++] = c.bindingParams ?? "";
    h[i++] = ";expires=";
    h[i++] = p.form === "register" ? p.expires : 0;
    h[i++] = "\r\n";
  }
  const credentials = p.credentials;
  if (credentials !== undefined) {
    if (!Array.isArray(credentials)) i = credentialLine(h, i, credentials as RequestCredentials);
    else {
      const list = credentials as readonly RequestCredentials[];
      for (let k = 0; k < list.length; k++) i = credentialLine(h, i, list[k] as RequestCredentials);
    }
  }
  const headers = h.join("");
  h.fill("", 0, i);
  const registrar = c.registrar;
  const request: {
    -readonly [K in keyof OutgoingRequest]: OutgoingRequest[K];
  } = {
    method: "REGISTER",
    requestUri: registrar,
    headers,
    callId: p.callId,
    cseq: p.cseq,
    nextHop: c.proxy ?? registrar,
  };
  const socket = c.forcedSocket;
  if (socket !== undefined) request.socket = socket;
  if (p.destination !== undefined) request.destination = p.destination;
  return request;
}

/**
 * `Authorization: …\r\n` (or Proxy-Authorization) into `h` from slot `i`; the next free slot. A {@link DigestAnswer}
 * writes its value's parts in place (up to 24 slots) instead of a value string.
 */
function credentialLine(h: Array<string | number>, i: number, c: RequestCredentials): number {
  h[i] = c.header;
  h[i + 1] = ": ";
  let next = i + 3;
  if (c instanceof DigestAnswer) next = writeAuthorizationParts(c.credentials, h, i + 2) + 1;
  else h[i + 2] = c.value;
  h[next - 1] = "\r\n";
  return next;
}
