import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { systemClock } from "@uacreg/runtime";
import {
  computeCredentials,
  type DigestAlgorithm,
  type DigestChallenge,
  parseChallenges,
  scanAuthenticateHeader,
} from "@uacreg/digest";
import {
  headerParam,
  parseContacts,
  parseMessage,
  type SipRequest,
  SipResponse,
  serializeMessage,
  tag,
  unquote,
} from "@uacreg/sip";

/** One REGISTER as the registrar saw it. */
export interface ReceivedRegister {
  readonly request: SipRequest;
  /** The registrar's wall clock at arrival (ms). */
  readonly at: number;
  readonly callId: string;
  readonly cseq: number;
  readonly fromTag: string | undefined;
  /** The Contact URIs (without params), or ["*"]. */
  readonly contacts: string[];
  /** `;expires=` of the first Contact, or the Expires header. */
  readonly expires: number | undefined;
  readonly authorization: string | undefined;
  /** Whether the Authorization header verified against the account's password. */
  readonly authorized: boolean;
}

/** What the script answers: a response spec, "default" (the digest registrar) or "drop" (no answer at all). */
export type ScriptAnswer = "default" | "drop" | { status: number; reason: string; headers?: Array<[string, string]> };

export interface ScriptedRegistrarOptions {
  /** username → password. */
  accounts?: Record<string, string>;
  realm?: string;
  algorithm?: DigestAlgorithm;
  /** The expires granted in the 200 (default: what was asked). */
  grant?: number;
  /** Ask for credentials at all (default true). */
  challenge?: boolean;
}

interface Binding {
  expires: number;
  until: number;
}

/**
 * The registrar behind the engine's tests, without I/O: parses nothing itself, takes each REGISTER as a parsed
 * @uacreg/sip request, challenges with 401 (`WWW-Authenticate: Digest realm, nonce, opaque, qop="auth", algorithm`),
 * verifies the Authorization by recomputing it with @uacreg/digest (a reused nonce with a higher nc is accepted:
 * preemptive auth), keeps the bindings per AOR and answers 200 listing them with `;expires=`. `script` can override
 * the answer to any request. {@link ScriptedRegistrar} puts it on a UDP socket; `MemoryRegistrar` behind the engine's
 * `RequestSender` interface on a virtual clock.
 */
export class RegistrarScript {
  readonly received: ReceivedRegister[] = [];
  /** Override: return "default" to let the digest registrar answer. */
  script: (r: ReceivedRegister) => ScriptAnswer = () => "default";
  accounts: Record<string, string>;
  realm: string;
  algorithm: DigestAlgorithm;
  grant: number | undefined;
  challenge: boolean;
  /** aor → contact URI → binding. */
  readonly bindings = new Map<string, Map<string, Binding>>();
  readonly #answered = new Map<string, Uint8Array | ReceivedRegister>();
  readonly #nonces = new Map<string, { challenge: DigestChallenge; nc: number }>();
  readonly #wallNow: () => number;

  /** `wallNow`: the registrar's wall clock in ms (arrival times, binding expiry). */
  constructor(options: ScriptedRegistrarOptions, wallNow: () => number) {
    this.accounts = options.accounts ?? {};
    this.realm = options.realm ?? "reg.test";
    this.algorithm = options.algorithm ?? "MD5";
    this.grant = options.grant;
    this.challenge = options.challenge ?? true;
    this.#wallNow = wallNow;
  }

  /**
   * Handles one REGISTER (first transmission or retransmission of the transaction `transactionId`, the top Via):
   * the bytes of the answer, or undefined when the script drops it. A retransmission is answered with the same bytes
   * and not recorded again; a retransmission of a request the script dropped is put to the script again.
   */
  handle(request: SipRequest, transactionId: string): Uint8Array | undefined {
    const answered = this.#answered.get(transactionId);
    if (answered instanceof Uint8Array) return answered;
    let received = answered;
    if (received === undefined) {
      received = this.#describe(request);
      this.received.push(received);
    }
    const answer = this.script(received);
    if (answer === "drop") {
      this.#answered.set(transactionId, received);
      return undefined;
    }
    const response =
      answer === "default"
        ? this.#digestRegistrar(received)
        : this.#response(request, answer.status, answer.reason, answer.headers ?? []);
    const bytes = serializeMessage(response);
    this.#answered.set(transactionId, bytes);
    return bytes;
  }

  #describe(request: SipRequest): ReceivedRegister {
    const cseqText = request.getHeader("cseq") ?? "0 REGISTER";
    const contactValues = request.getHeaders("contact");
    const parsed = parseContacts(contactValues);
    const contacts = parsed.wildcard ? ["*"] : parsed.contacts.map((c) => c.uri);
    let expires: number | undefined;
    const first = parsed.contacts[0];
    const param = first === undefined ? undefined : headerParam(first.params, "expires");
    if (typeof param === "string") expires = Number(param);
    else if (request.getHeader("expires") !== undefined) expires = Number(request.getHeader("expires"));
    const authorization = request.getHeader("authorization") ?? request.getHeader("proxy-authorization");
    return {
      request,
      at: this.#wallNow(),
      callId: request.getHeader("call-id") ?? "",
      cseq: Number.parseInt(cseqText, 10),
      fromTag: tag(request.getHeader("from")),
      contacts,
      expires,
      authorization,
      authorized: authorization !== undefined && this.#verify(request, authorization),
    };
  }

  /** Recomputes the digest response with the account's password (RFC 7616 §3.4.1). */
  #verify(request: SipRequest, authorization: string): boolean {
    const scanned = scanAuthenticateHeader(authorization, 0);
    const raw = scanned.challenges[0];
    if (raw === undefined || raw.scheme.toLowerCase() !== "digest") return false;
    const p = new Map(raw.params.map((x) => [x.name, x.value]));
    const nonce = p.get("nonce");
    const username = p.get("username");
    if (nonce === undefined || username === undefined) return false;
    const issued = this.#nonces.get(nonce);
    const password = this.accounts[username];
    if (issued === undefined || password === undefined) return false;
    const ncText = p.get("nc");
    const nc = ncText === undefined ? 1 : Number.parseInt(ncText, 16);
    if (!(nc > issued.nc)) return false; // replayed nonce count
    const expected = computeCredentials({
      challenge: issued.challenge,
      username,
      password,
      method: "REGISTER",
      uri: p.get("uri") ?? "",
      nc,
      cnonce: p.get("cnonce") ?? "",
    });
    if (expected.response !== p.get("response") || p.get("uri") !== request.uri) return false;
    issued.nc = nc;
    return true;
  }

  #newChallenge(): string {
    const nonce = randomBytes(12).toString("hex");
    const opaque = randomBytes(4).toString("hex");
    const text = `Digest realm="${this.realm}", nonce="${nonce}", opaque="${opaque}", qop="auth", algorithm=${this.algorithm}`;
    const challenge = parseChallenges([text])[0];
    if (challenge === undefined) throw new Error("the test registrar built an unusable challenge");
    this.#nonces.set(nonce, { challenge, nc: 0 });
    return text;
  }

  /** The registrar: 401 until authorized, then store/remove bindings and answer 200 listing them. */
  #digestRegistrar(r: ReceivedRegister): SipResponse {
    if (this.challenge && !r.authorized) {
      return this.#response(r.request, 401, "Unauthorized", [["WWW-Authenticate", this.#newChallenge()]]);
    }
    const aor = unquote(r.request.getHeader("to") ?? "").replace(/^.*<([^>]*)>.*$/, "$1");
    let store = this.bindings.get(aor);
    if (store === undefined) {
      store = new Map();
      this.bindings.set(aor, store);
    }
    const asked = r.expires ?? 3600;
    if (r.contacts[0] === "*") store.clear();
    else {
      for (const c of r.contacts) {
        if (asked === 0) store.delete(c);
        else {
          const granted = this.grant ?? asked;
          store.set(c, { expires: granted, until: this.#wallNow() + granted * 1000 });
        }
      }
    }
    const headers: Array<[string, string]> = [];
    for (const [uri, b] of store) headers.push(["Contact", `<${uri}>;expires=${b.expires}`]);
    return this.#response(r.request, 200, "OK", headers);
  }

  #response(request: SipRequest, status: number, reason: string, extra: Array<[string, string]>): SipResponse {
    const headers: Array<{ name: string; value: string }> = [];
    for (const v of request.getHeaders("via")) headers.push({ name: "Via", value: v });
    headers.push({ name: "From", value: request.getHeader("from") ?? "" });
    const to = request.getHeader("to") ?? "";
    headers.push({ name: "To", value: tag(to) === undefined ? `${to};tag=reg${status}` : to });
    headers.push({ name: "Call-ID", value: request.getHeader("call-id") ?? "" });
    headers.push({ name: "CSeq", value: request.getHeader("cseq") ?? "" });
    for (const [name, value] of extra) headers.push({ name, value });
    return new SipResponse({ status, reason, headers });
  }
}

/** The {@link RegistrarScript} on a UDP socket on 127.0.0.1, for the loopback smoke tests (real time). */
export class ScriptedRegistrar extends RegistrarScript {
  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
    options: ScriptedRegistrarOptions,
  ) {
    super(options, () => systemClock.wallNow());
    socket.on("message", (data, rinfo) => this.#onDatagram(data, rinfo));
  }

  static async open(options: ScriptedRegistrarOptions = {}): Promise<ScriptedRegistrar> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new ScriptedRegistrar(socket, socket.address().port, options);
  }

  /** `sip:127.0.0.1:<port>`, to use as the registrar column. */
  get uri(): string {
    return `sip:127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  #onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    let request: SipRequest;
    try {
      const msg = parseMessage(new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (msg instanceof SipResponse || msg.method !== "REGISTER") return;
      request = msg;
    } catch {
      return;
    }
    const bytes = this.handle(request, request.getHeader("via") ?? "");
    if (bytes !== undefined) this.socket.send(bytes, rinfo.port, rinfo.address);
  }
}
