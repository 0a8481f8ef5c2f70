import { isSipUri, parseContacts, parseUri, SipParseError, type SipUri } from "@uacreg/sip";
import { parseForcedSocket } from "./forced-socket.js";
import { isPlainValidSipUri } from "./plain-sip-uri.js";
import { RecordValidationError } from "./record-validation-error.js";
import { buildRequestTemplateFrom, DEFAULT_USER_AGENT, type RequestTemplate } from "./register-request.js";
import type { RegistrantKey, RegistrantRow } from "./registrant-row.js";
import { parseSharingTag, type SharingTag } from "./sharing-tag.js";
import { intern } from "./shared-strings.js";
import { hostProblem } from "./uri-host.js";
import { joinFlat } from "./flat-join.js";

/**
 * The range of the `expiry` and `state` columns: PostgreSQL `INTEGER`, and OpenSIPS reads both as a C `int`
 * (docs/opensips-behaviour.md §11; MySQL's `INT UNSIGNED` expiry holds more, but not through OpenSIPS).
 */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/**
 * The largest `expiry` (s) a row may ask for, the column's: PostgreSQL refuses more on insert, and SQLite,
 * a CSV import and MI `reg_upsert` are held to the same bound instead of registering for 2^40 s.
 */
export const MAX_ROW_EXPIRY = INT_MAX;

/** What validation needs besides the row (docs/opensips-behaviour.md §1, §2.2). */
export interface ValidationContext {
  /** T: a row's expiry must be > T. */
  timerInterval: number;
  /** Used for a NULL expiry (docs/decisions.md). */
  defaultExpires: number;
  /** Is `proto:host:port` a listening socket? Omitted = every well-formed socket is accepted. */
  socketExists?: (spec: string) => boolean;
  /** User-Agent header value, `uacreg/<version>`. */
  userAgent?: string;
}

/**
 * A validated row: everything that comes from the database, normalised (NULL and "" are the same for optional
 * columns), plus what is derived from it (parsed binding URI, FORCE_SINGLE, the request template). The object
 * {@link parseRegistrantRow} returns stores only the columns and derives the rest on demand (memory per record).
 */
export interface RegistrantConfig {
  readonly key: RegistrantKey;
  readonly registrar: string;
  readonly proxy?: string;
  readonly aor: string;
  readonly thirdPartyRegistrant?: string;
  readonly username?: string;
  /** Never shown in views, logs or errors. */
  readonly password?: string;
  readonly binding: string;
  readonly bindingParams?: string;
  /** The configured expiry (W and the initial E). */
  readonly expiry: number;
  readonly forcedSocket?: string;
  readonly shtag?: SharingTag;
  /** DB state 0. */
  readonly enabled: boolean;
  /** Both a `reg-id` and a `+sip.instance` binding param (RFC 5626 §4.2, docs/opensips-behaviour.md §2.1), decided per row. */
  readonly forceSingle: boolean;
  /** Username and password both non-empty (§5: otherwise a challenge means WRONG_CREDENTIALS). */
  readonly hasCredentials: boolean;
  readonly bindingUri: SipUri | string;
  readonly template: RequestTemplate;
}

function optional(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === "" ? undefined : value;
}

function parseAny(text: string): ReturnType<typeof parseUri> | string {
  try {
    return parseUri(text);
  } catch (e) {
    if (e instanceof SipParseError) return e.message;
    throw e;
  }
}

/** The row's key as given (fields empty when the row lacks them), for an error: built only when a row is refused. */
function keyOf(row: RegistrantRow): RegistrantKey {
  return {
    aor: typeof row.aor === "string" ? row.aor : "",
    contact: typeof row.binding_URI === "string" ? row.binding_URI : "",
    registrar: typeof row.registrar === "string" ? row.registrar : "",
  };
}

function fail(row: RegistrantRow, field: string, reason: string): never {
  throw new RecordValidationError(keyOf(row), field, reason);
}

/** Why a SIP URI's host and port are not usable, if they are not (./uri-host.ts; a port is 1..65535). */
function hostPortProblem(uri: SipUri): string | undefined {
  return hostProblem(uri.host) ?? (uri.port === 0 ? "has port 0 (a port is 1..65535)" : undefined);
}

/** Why `text` is not a usable SIP URI for its column, if it is not. */
function sipUriProblem(text: string, user: "no user" | "user allowed"): string | undefined {
  if (isPlainValidSipUri(text, user)) return undefined;
  const u = parseAny(text);
  if (typeof u === "string") return `does not parse: ${u}`;
  if (!isSipUri(u)) return "is not a sip: or sips: URI";
  if (user === "no user" && u.user !== undefined) return "must not have a user part";
  return hostPortProblem(u);
}

/**
 * Registrar and proxy texts already found valid: a table's rows name a handful of them, so each is parsed once instead
 * of once per row (a parse builds a URI object and two Maps). Bounded: emptied past 1,024 values.
 */
const VALID_SERVER_URIS = new Set<string>();

function serverUriProblem(text: string): string | undefined {
  if (VALID_SERVER_URIS.has(text)) return undefined;
  const problem = sipUriProblem(text, "no user");
  if (problem === undefined) {
    if (VALID_SERVER_URIS.size >= 1024) VALID_SERVER_URIS.clear();
    VALID_SERVER_URIS.add(text);
  }
  return problem;
}

/** Plain decimal digits (an optional leading "-" when `signed`), the text a driver may give for an integer column. */
function isDecimalText(text: string, signed: boolean): boolean {
  const from = signed && text.charCodeAt(0) === 0x2d ? 1 : 0;
  if (text.length === from) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** CR, LF or NUL: not allowed in a value that goes into a header (RFC 3261 §25.1 quoted-string). */
function hasLineBreakOrNul(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) return true;
  }
  return false;
}

/**
 * Validates one row into a config (docs/opensips-behaviour.md §2.2, docs/decisions.md). Throws {@link RecordValidationError} naming the
 * key and the column; the caller skips the row with one line and goes on. Runs for every row of a load (a million at
 * start-up): no closures, no key object unless the row is refused, repeated registrar and proxy texts parsed once.
 */
export function parseRegistrantRow(row: RegistrantRow, ctx: ValidationContext): RegistrantConfig {
  const registrarText: unknown = row.registrar;
  const aorText: unknown = row.aor;
  const bindingText: unknown = row.binding_URI;
  if (typeof registrarText !== "string" || registrarText === "") fail(row, "registrar", "is NULL or empty");
  if (typeof aorText !== "string" || aorText === "") fail(row, "aor", "is NULL or empty");
  if (typeof bindingText !== "string" || bindingText === "") fail(row, "binding_URI", "is NULL or empty");

  // Every URI column parses; the registrar, the proxy, the AOR and the third party are SIP URIs (RFC 3261 §6
  // "address-of-record", §10.2); every SIP URI has a well-formed host and a port 1..65535 (./uri-host.ts).
  let problem = serverUriProblem(registrarText);
  if (problem !== undefined) fail(row, "registrar", problem);
  const proxy = optional(row.proxy);
  if (proxy !== undefined) {
    problem = serverUriProblem(proxy);
    if (problem !== undefined) fail(row, "proxy", problem);
  }
  problem = sipUriProblem(aorText, "user allowed");
  if (problem !== undefined) fail(row, "aor", problem);
  const thirdParty = optional(row.third_party_registrant);
  if (thirdParty !== undefined) {
    problem = sipUriProblem(thirdParty, "user allowed");
    if (problem !== undefined) fail(row, "third_party_registrant", problem);
  }
  // A Contact may be any URI (RFC 3261 §10.2.1); a SIP one is held to the same host and port rules.
  if (!isPlainValidSipUri(bindingText, "user allowed")) {
    const bindingParsed = parseAny(bindingText);
    if (typeof bindingParsed === "string") fail(row, "binding_URI", `does not parse: ${bindingParsed}`);
    if (isSipUri(bindingParsed)) {
      problem = hostPortProblem(bindingParsed);
      if (problem !== undefined) fail(row, "binding_URI", problem);
    }
  }

  const bindingParams = optional(row.binding_params);
  let forceSingle = false;
  if (bindingParams !== undefined) {
    if (!bindingParams.startsWith(";")) fail(row, "binding_params", 'must start with ";"');
    let params: ReadonlyMap<string, string | null> | undefined;
    try {
      const list = parseContacts([`<${bindingText}>${bindingParams}`]);
      params = list.contacts.length === 1 ? list.contacts[0]?.params : undefined;
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      fail(row, "binding_params", `do not parse as contact params: ${e.message}`);
    }
    if (params === undefined) fail(row, "binding_params", "do not parse as contact params");
    // Per row, exact names (docs/decisions.md: the OpenSIPS prefix match leaks across rows, §13.10).
    forceSingle = params.has("reg-id") && params.has("+sip.instance");
  }

  // Some drivers hand integer columns over as strings ("60"); plain decimal digits are the number, any other text
  // (SQLite keeps text as text in an INTEGER column) is refused naming the column, never read as a default.
  const rawExpiry: unknown = row.expiry;
  const expiryValue = typeof rawExpiry === "string" && isDecimalText(rawExpiry, false) ? Number(rawExpiry) : rawExpiry;
  const rawState: unknown = row.state;
  const state = typeof rawState === "string" && isDecimalText(rawState, true) ? Number(rawState) : rawState;
  let expiry: number;
  if (expiryValue === null || expiryValue === undefined || rawExpiry === "") expiry = ctx.defaultExpires;
  else if (typeof expiryValue !== "number" || !Number.isInteger(expiryValue) || expiryValue < 0) {
    expiry = fail(row, "expiry", `"${String(rawExpiry)}" is not a whole number of seconds`);
  } else expiry = expiryValue;
  if (expiry <= ctx.timerInterval) {
    fail(
      row,
      "expiry",
      `${expiry} s is not above timer_interval ${ctx.timerInterval} s (Please decrease timer_interval)`,
    );
  }
  if (expiry > MAX_ROW_EXPIRY) {
    fail(row, "expiry", `${expiry} s is above ${MAX_ROW_EXPIRY} s (the column is a 32-bit int)`);
  }
  if (typeof state !== "number" || !Number.isInteger(state) || state < INT_MIN || state > INT_MAX) {
    fail(row, "state", `"${String(rawState)}" is not a 32-bit integer`);
  }

  let forcedSocket: string | undefined;
  const socketText = optional(row.forced_socket);
  if (socketText !== undefined) {
    forcedSocket = parseForcedSocket(socketText);
    if (forcedSocket === undefined) fail(row, "forced_socket", `"${socketText}" is not proto:host:port`);
    else if (ctx.socketExists !== undefined && !ctx.socketExists(forcedSocket)) {
      fail(row, "forced_socket", `${forcedSocket} is not a listening socket`);
    }
  }

  let shtag: SharingTag | undefined;
  const tagText = optional(row.cluster_shtag);
  if (tagText !== undefined) {
    const t = parseSharingTag(tagText);
    if (typeof t === "string") fail(row, "cluster_shtag", t);
    else shtag = t;
  }

  const username = optional(row.username);
  const password = optional(row.password);
  // They go into a header (RFC 3261 §25.1 quoted-string): no line breaks or NUL. The value itself is never shown.
  if (username !== undefined && hasLineBreakOrNul(username)) fail(row, "username", "contains CR, LF or NUL");
  if (password !== undefined && hasLineBreakOrNul(password)) fail(row, "password", "contains CR, LF or NUL");
  let rare: RareColumns | undefined;
  if (
    proxy !== undefined ||
    thirdParty !== undefined ||
    bindingParams !== undefined ||
    forcedSocket !== undefined ||
    shtag !== undefined
  ) {
    rare = {
      proxy: proxy === undefined ? undefined : intern(proxy),
      thirdPartyRegistrant: thirdParty,
      bindingParams,
      forcedSocket: forcedSocket === undefined ? undefined : intern(forcedSocket),
      shtag,
    };
  }
  // One registrar string for all its records; the columns rows share, in one object for all of them.
  return new ValidatedRow(
    aorText,
    bindingText,
    credentialsText(username, password),
    sharedColumns(
      intern(registrarText),
      expiry,
      (state === 0 ? ENABLED : 0) |
        (forceSingle ? FORCE_SINGLE : 0) |
        (username !== undefined && password !== undefined ? HAS_CREDENTIALS : 0),
      headerBlock(ctx.userAgent ?? DEFAULT_USER_AGENT),
      rare,
    ),
  );
}

/**
 * The columns most rows of a table hold the same values of (registrar, expiry, the flags, the User-Agent block, an
 * outbound proxy or forced socket): one object per distinct combination instead of five fields per record (32 bytes
 * per record; docs/performance.md, "Core and digest"). Immutable once built.
 */
class SharedColumns {
  constructor(
    readonly registrar: string,
    readonly expiry: number,
    /** ENABLED | FORCE_SINGLE | HAS_CREDENTIALS. */
    readonly flags: number,
    readonly headerBlock: string,
    readonly rare: RareColumns | undefined,
  ) {}
}

/** Per registrar string, its combinations seen so far (bounded: only sharing is lost past the bounds). */
const SHARED = new Map<string, SharedColumns[]>();
const SHARED_REGISTRARS = 1024;
const SHARED_PER_REGISTRAR = 32;

function sharedColumns(
  registrar: string,
  expiry: number,
  flags: number,
  block: string,
  rare: RareColumns | undefined,
): SharedColumns {
  // A third party, binding params or a sharing tag are the row's own: such a row keeps its own object.
  if (
    rare !== undefined &&
    (rare.thirdPartyRegistrant !== undefined || rare.bindingParams !== undefined || rare.shtag !== undefined)
  ) {
    return new SharedColumns(registrar, expiry, flags, block, rare);
  }
  let list = SHARED.get(registrar);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as SharedColumns;
      if (c.expiry !== expiry || c.flags !== flags || c.headerBlock !== block) continue;
      const r = c.rare;
      if (r === rare) return c;
      if (r !== undefined && rare !== undefined && r.proxy === rare.proxy && r.forcedSocket === rare.forcedSocket) {
        return c;
      }
    }
  }
  const shared = new SharedColumns(registrar, expiry, flags, block, rare);
  if (list === undefined) {
    if (SHARED.size >= SHARED_REGISTRARS) SHARED.clear();
    list = [];
    SHARED.set(registrar, list);
  }
  if (list.length < SHARED_PER_REGISTRAR) list.push(shared);
  return shared;
}

/** The optional columns most rows leave NULL: one object, absent for the common row. */
interface RareColumns {
  readonly proxy: string | undefined;
  readonly thirdPartyRegistrant: string | undefined;
  readonly bindingParams: string | undefined;
  readonly forcedSocket: string | undefined;
  readonly shtag: SharingTag | undefined;
}

/** Between the username and the password in {@link credentialsText}: a NUL, which neither may contain. */
const SEPARATOR = "\u0000";

/**
 * A row's username and password (non-empty, without NUL: validated) as one flat string, `username NUL password`, the
 * username alone, `NUL password` for a password alone, or undefined: one field and one string header per record
 * instead of two of each (24 bytes per record of a table with credentials; core README "Memory per record").
 */
function credentialsText(username: string | undefined, password: string | undefined): string | undefined {
  if (password === undefined) return username;
  return joinFlat(username ?? "", SEPARATOR, password);
}

const ENABLED = 1;
const FORCE_SINGLE = 2;
const HAS_CREDENTIALS = 4;

const blocks = new Map<string, string>();

/** `Max-Forwards: 70\r\nContent-Length: 0\r\nUser-Agent: …\r\n`, one string per User-Agent for all records. */
function headerBlock(userAgent: string): string {
  let block = blocks.get(userAgent);
  if (block === undefined) {
    block = intern(`Max-Forwards: 70\r\nContent-Length: 0\r\nUser-Agent: ${userAgent}\r\n`);
    if (blocks.size < 64) blocks.set(userAgent, block);
  }
  return block;
}

/**
 * The validated row as core keeps it for the record's lifetime: the row's own strings (AOR, binding, username and
 * password in one) and one {@link SharedColumns} object shared by the rows alike (the interned registrar, the expiry,
 * three flags in one small integer, the User-Agent block, the rarely set columns); `key` is built from them on
 * demand. Everything else is derived on demand (the parsed binding URI only for a 2xx whose Contact is not textually
 * ours, the request template only for callers that ask for it): at a million records every field costs megabytes.
 */
export class ValidatedRow implements RegistrantConfig {
  constructor(
    readonly aor: string,
    readonly binding: string,
    /** Username and password in one flat string (see {@link credentialsText}); never shown. */
    readonly credentials: string | undefined,
    /** Registrar, expiry, flags, User-Agent block and the proxy / socket: shared with the rows that have the same. */
    readonly shared: SharedColumns,
  ) {}

  get username(): string | undefined {
    const c = this.credentials;
    if (c === undefined) return undefined;
    const at = c.indexOf(SEPARATOR);
    return at < 0 ? c : at === 0 ? undefined : c.slice(0, at);
  }
  /** Never shown in views, logs or errors. */
  get password(): string | undefined {
    const c = this.credentials;
    if (c === undefined) return undefined;
    const at = c.indexOf(SEPARATOR);
    return at < 0 ? undefined : c.slice(at + 1);
  }

  get registrar(): string {
    return this.shared.registrar;
  }
  get expiry(): number {
    return this.shared.expiry;
  }
  /** ENABLED | FORCE_SINGLE | HAS_CREDENTIALS. */
  get flags(): number {
    return this.shared.flags;
  }
  /** `Max-Forwards`, `Content-Length` and `User-Agent` lines (shared). */
  get headerBlock(): string {
    return this.shared.headerBlock;
  }
  get rare(): RareColumns | undefined {
    return this.shared.rare;
  }

  /**
   * A new key object each time (no password in it: keys go into logs and events). Built on demand: a key object per
   * record would cost ~48 bytes for three strings the row already holds.
   */
  get key(): RegistrantKey {
    return { aor: this.aor, contact: this.binding, registrar: this.registrar };
  }
  get proxy(): string | undefined {
    return this.rare?.proxy;
  }
  get thirdPartyRegistrant(): string | undefined {
    return this.rare?.thirdPartyRegistrant;
  }
  get bindingParams(): string | undefined {
    return this.rare?.bindingParams;
  }
  get forcedSocket(): string | undefined {
    return this.rare?.forcedSocket;
  }
  get shtag(): SharingTag | undefined {
    return this.rare?.shtag;
  }
  get enabled(): boolean {
    return (this.flags & ENABLED) !== 0;
  }
  get forceSingle(): boolean {
    return (this.flags & FORCE_SINGLE) !== 0;
  }
  get hasCredentials(): boolean {
    return (this.flags & HAS_CREDENTIALS) !== 0;
  }
  /** Parsed on demand (validation already proved it parses). */
  get bindingUri(): SipUri | string {
    const u = parseAny(this.binding);
    return typeof u !== "string" && isSipUri(u) ? u : this.binding;
  }
  /** Built on demand; core itself builds requests from the parts above. */
  get template(): RequestTemplate {
    const r = this.rare;
    return buildRequestTemplateFrom(
      {
        registrar: this.registrar,
        proxy: r?.proxy,
        aor: this.aor,
        thirdParty: r?.thirdPartyRegistrant,
        binding: this.binding,
        bindingParams: r?.bindingParams,
        forcedSocket: r?.forcedSocket,
      },
      this.headerBlock,
    );
  }
}

/** Two configs from equivalent rows, the `state` column aside (a reload compares it with the live enabled flag). */
export function sameRowIgnoringState(a: RegistrantConfig, b: RegistrantConfig): boolean {
  return (
    a.registrar === b.registrar &&
    a.proxy === b.proxy &&
    a.aor === b.aor &&
    a.thirdPartyRegistrant === b.thirdPartyRegistrant &&
    a.username === b.username &&
    a.password === b.password &&
    a.binding === b.binding &&
    a.bindingParams === b.bindingParams &&
    a.expiry === b.expiry &&
    a.forcedSocket === b.forcedSocket &&
    a.shtag?.name === b.shtag?.name &&
    a.shtag?.clusterId === b.shtag?.clusterId &&
    headerBlockOf(a) === headerBlockOf(b)
  );
}

/** The User-Agent block of a config (ValidatedRow keeps it; any other RegistrantConfig has its template). */
export function headerBlockOf(c: RegistrantConfig): string {
  return c instanceof ValidatedRow ? c.headerBlock : c.template.constant;
}

/**
 * True when two configs come from equivalent rows (every column after normalisation, the password included):
 * a reload leaves such a record untouched (docs/decisions.md).
 */
export function sameConfig(a: RegistrantConfig, b: RegistrantConfig): boolean {
  return a.enabled === b.enabled && sameRowIgnoringState(a, b);
}
