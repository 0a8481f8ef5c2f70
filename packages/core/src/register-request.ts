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
 * refresh in core and digest"). One array written by index and reused; every slot used is cleared after the join.
 * The join first copies the array's slots into a temporary as long as the array, so the array is cut to the slots
 * used before each join (never below 16: V8 would then shrink its storage, and the next request grow it again), and
 * text that is the same for many requests is one part: the lines around the Contact's value per User-Agent block,
 * `\r\nAuthorization: Digest username="` per header (digest merges its own fixed parts the same way).
 * 46 slots of storage: the most a request with one digest answer uses; more (two realms, escaped values) use
 * {@link WIDE}, which may grow.
 */
const PARTS: Array<string | number> = new Array<string | number>(46).fill("");
const WIDE: Array<string | number> = new Array<string | number>(64).fill("");
const MIN_LENGTH = 16;

/** `\r\n<User-Agent block>Contact: <` and the wildcard's lines, per User-Agent block (a few at most). */
const LEADS = new Map<string, { readonly binding: string; readonly wildcard: string }>();

function leadOf(constant: string): { readonly binding: string; readonly wildcard: string } {
  let lead = LEADS.get(constant);
  if (lead === undefined) {
    // Flat strings (joined), kept: no cons chain to walk per request.
    lead = {
      binding: ["\r\n", constant, "Contact: <"].join(""),
      wildcard: ["\r\n", constant, "Contact: *\r\nExpires: 0\r\n"].join(""),
    };
    if (LEADS.size >= 64) LEADS.clear();
    LEADS.set(constant, lead);
  }
  return lead;
}

/** The start of a credentials line that ends the Contact line, with the digest value's first fixed text. */
const DIGEST_LINE_START = {
  Authorization: '\r\nAuthorization: Digest username="',
  "Proxy-Authorization": '\r\nProxy-Authorization: Digest username="',
} as const;

/** {@link buildRequest} from the row's parts and the shared User-Agent block: the same bytes, nothing kept. */
export function buildRequestFrom(c: RequestSource, constant: string, p: RequestParts): OutgoingRequest {
  const aor = c.aor;
  const credentials = p.credentials;
  const h = credentials === undefined || !Array.isArray(credentials) ? PARTS : WIDE;
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
  const lead = leadOf(constant);
  let i = 10;
  // Each line after the Contact starts with the CRLF ending the line before it; the last one ends the block.
  let open = false;
  if (p.form === "wildcard") h[i++] = lead.wildcard;
  else {
    h[i++] = lead.binding;
    h[i++] = c.binding;
    const params = c.bindingParams;
    if (params === undefined) h[i++] = ">;expires=";
    else {
      h[i++] = ">";
      h[i++] = params;
      h[i++] = ";expires=";
    }
    h[i++] = p.form === "register" ? p.expires : 0;
    open = true;
  }
  if (credentials !== undefined) {
    if (!Array.isArray(credentials)) i = credentialLine(h, i, credentials as RequestCredentials, open);
    else {
      const list = credentials as readonly RequestCredentials[];
      for (let k = 0; k < list.length; k++) {
        i = credentialLine(h, i, list[k] as RequestCredentials, open);
        open = true;
      }
    }
    open = true;
  }
  if (open) h[i++] = "\r\n";
  let n = i;
  while (n < MIN_LENGTH) h[n++] = "";
  h.length = n;
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
 * `[\r\n]Authorization: …` (or Proxy-Authorization) into `h` from slot `i`, the CRLF first when a line is still open
 * (its end is written by the caller); the next free slot. A {@link DigestAnswer} writes its value's parts in place
 * instead of a value string.
 */
function credentialLine(h: Array<string | number>, i: number, c: RequestCredentials, open: boolean): number {
  if (c instanceof DigestAnswer) {
    if (open) return writeAuthorizationParts(c.credentials, h, i, DIGEST_LINE_START[c.header]);
    h[i] = c.header;
    h[i + 1] = ": ";
    return writeAuthorizationParts(c.credentials, h, i + 2);
  }
  if (open) h[i++] = "\r\n";
  h[i] = c.header;
  h[i + 1] = ": ";
  h[i + 2] = c.value;
  return i + 3;
}
