import { DigestError } from "./digest-error.js";

/**
 * One auth-param of a challenge (RFC 7235 §2.1 `auth-param = token BWS "=" BWS ( token / quoted-string )`,
 * RFC 3261 §25 `auth-param`). The name is lowercased (parameter names are case-insensitive); a quoted value has its
 * quoted-pairs already unescaped.
 */
export interface AuthParam {
  readonly name: string;
  readonly value: string;
  readonly quoted: boolean;
}

/** One challenge as written, before any scheme-specific checks. */
export interface RawChallenge {
  /** The auth-scheme as sent (compare case-insensitively). */
  readonly scheme: string;
  /** RFC 7235 token68 form (`Basic` / `Negotiate` style); Digest never uses it. */
  readonly token68?: string;
  readonly params: readonly AuthParam[];
  /** Index of the header value it came from. */
  readonly headerIndex: number;
  /** Offset of the scheme inside that header value. */
  readonly offset: number;
}

/** The result of scanning one header value: its challenges, and the syntax error that stopped the scan, if any. */
export interface ScannedHeader {
  readonly challenges: readonly RawChallenge[];
  readonly error?: DigestError;
}

// RFC 7230 §3.2.6 tchar, as a lookup table over ASCII.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;
// Unquoted parameter values: a token, leniently widened with the characters base64 and URI-ish nonces use when a
// server forgets the quotes ("/", "=", ":", "@").
const VALUE_CHAR = TCHAR.slice();
for (const c of "/=:@") VALUE_CHAR[c.charCodeAt(0)] = 1;
// RFC 7235 §2.1 token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68_CHAR = new Uint8Array(128);
for (const c of "-._~+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN68_CHAR[c.charCodeAt(0)] = 1;

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  // LWS of RFC 3261 §25.1 may still contain a folded CRLF if the caller did not unfold the header.
  return c === SP || c === HTAB || c === CR || c === LF;
}

function inTable(table: Uint8Array, c: number): boolean {
  return c < 128 && table[c] === 1;
}

/** Scanner over one header value: index-based, no regular expressions, linear in the input length. */
class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly headerIndex: number,
  ) {}

  fail(message: string, at = this.pos): DigestError {
    const excerpt = this.text.slice(at, at + 24);
    return new DigestError(
      "malformed-challenge",
      `malformed challenge in header value ${this.headerIndex} at offset ${at}: ${message} (near ${JSON.stringify(excerpt)})`,
      { headerIndex: this.headerIndex, offset: at, excerpt },
    );
  }

  code(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && isWhitespace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Skips OWS and empty list elements (RFC 7230 §7: `#rule` recipients accept `, ,`). */
  skipListSeparators(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== COMMA && !isWhitespace(c)) return;
      this.pos++;
    }
  }

  skipRun(table: Uint8Array): void {
    while (this.pos < this.text.length && inTable(table, this.text.charCodeAt(this.pos))) this.pos++;
  }

  readRun(table: Uint8Array): string {
    const start = this.pos;
    while (this.pos < this.text.length && inTable(table, this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** If a token68 starts here and is the whole challenge (followed by OWS then "," or the end), its end; else -1. */
  token68End(): number {
    let p = this.pos;
    const t = this.text;
    while (p < t.length && inTable(TOKEN68_CHAR, t.charCodeAt(p))) p++;
    if (p === this.pos) return -1;
    while (p < t.length && t.charCodeAt(p) === EQUALS) p++;
    let q = p;
    while (q < t.length && isWhitespace(t.charCodeAt(q))) q++;
    return q === t.length || t.charCodeAt(q) === COMMA ? p : -1;
  }

  /** RFC 7230 §3.2.6 quoted-string; returns the unescaped content. Control characters other than HTAB are refused. */
  readQuoted(): string {
    const t = this.text;
    const open = this.pos;
    this.pos++; // opening DQUOTE
    let value = "";
    let runStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === DQUOTE) {
        value += t.slice(runStart, this.pos);
        this.pos++;
        return value;
      }
      if (c === BACKSLASH) {
        value += t.slice(runStart, this.pos);
        const escaped = this.pos + 1 < t.length ? t.charCodeAt(this.pos + 1) : -1;
        if (escaped === -1) throw this.fail("backslash at the end of a quoted string", this.pos);
        if ((escaped < 0x20 && escaped !== HTAB) || escaped === 0x7f) {
          throw this.fail("control character in a quoted-pair", this.pos + 1);
        }
        value += t[this.pos + 1];
        this.pos += 2;
        runStart = this.pos;
        continue;
      }
      if ((c < 0x20 && c !== HTAB) || c === 0x7f) throw this.fail("control character in a quoted string");
      this.pos++;
    }
    throw this.fail("unterminated quoted string", open);
  }
}

/**
 * Reads `auth-param *( OWS "," OWS auth-param )` from the scanner's position. Stops at the end of the text, or before
 * a list element that is not `token BWS "="` (the start of the next challenge). Throws DigestError on bad syntax.
 */
function readAuthParams(s: Scanner): AuthParam[] {
  const text = s.text;
  const params: AuthParam[] = [];
  for (;;) {
    const name = s.readRun(TCHAR);
    if (name === "") throw s.fail("expected an auth-param name");
    s.skipWhitespace();
    if (s.code() !== EQUALS) throw s.fail(`expected "=" after ${JSON.stringify(name)}`);
    s.pos++;
    s.skipWhitespace();
    if (s.code() === DQUOTE) {
      params.push({ name: name.toLowerCase(), value: s.readQuoted(), quoted: true });
    } else {
      const value = s.readRun(VALUE_CHAR);
      if (value === "") throw s.fail(`expected a value for ${JSON.stringify(name)}`);
      params.push({ name: name.toLowerCase(), value, quoted: false });
    }
    s.skipWhitespace();
    if (s.pos === text.length) return params;
    if (s.code() !== COMMA) throw s.fail(`expected "," after the ${JSON.stringify(name)} parameter`);
    s.skipListSeparators();
    if (s.pos === text.length) return params;
    // Look ahead: `token BWS "="` is another auth-param of this challenge, anything else a new challenge (scanned in
    // place: no string is cut out for the look-ahead).
    const next = s.pos;
    s.skipRun(TCHAR);
    const sawToken = s.pos > next;
    s.skipWhitespace();
    const continues = sawToken && s.code() === EQUALS;
    s.pos = next;
    if (!continues) return params;
  }
}

/**
 * Parses a bare auth-param list, as in `Authentication-Info` (RFC 7616 §3.5) or the parameters of a credentials
 * header after its scheme. Throws DigestError `malformed-challenge` on bad syntax or on trailing text that is not a
 * parameter.
 */
export function parseAuthParams(text: string): AuthParam[] {
  const s = new Scanner(text, 0);
  s.skipListSeparators();
  if (s.pos === text.length) return [];
  const params = readAuthParams(s);
  if (s.pos !== text.length) throw s.fail("expected an auth-param");
  return params;
}

/**
 * Splits one WWW-Authenticate / Proxy-Authenticate header value into its challenges (RFC 7235 §4.1: the value is a
 * comma-separated list of challenges, and each challenge's auth-params are comma-separated too). After a comma, a
 * token followed by "=" continues the current challenge; any other token starts a new one, so
 * `Digest a=1, b=2, Digest c=3` gives two challenges.
 *
 * It never throws: a syntax error ends the scan and is returned beside the challenges completed before it.
 */
export function scanAuthenticateHeader(text: string, headerIndex: number): ScannedHeader {
  const s = new Scanner(text, headerIndex);
  const challenges: RawChallenge[] = [];
  try {
    s.skipListSeparators();
    if (s.pos === text.length) throw s.fail("no challenge in the header value", 0);
    while (s.pos < text.length) {
      const offset = s.pos;
      const scheme = s.readRun(TCHAR);
      if (scheme === "") throw s.fail("expected an auth-scheme token");
      const afterScheme = s.pos;
      s.skipWhitespace();
      if (s.pos === text.length || s.code() === COMMA) {
        challenges.push({ scheme, params: [], headerIndex, offset });
        s.skipListSeparators();
        continue;
      }
      if (s.pos === afterScheme) throw s.fail("expected whitespace after the auth-scheme");
      const end68 = s.token68End();
      if (end68 >= 0) {
        challenges.push({ scheme, token68: text.slice(s.pos, end68), params: [], headerIndex, offset });
        s.pos = end68;
        s.skipListSeparators();
        continue;
      }
      const params = readAuthParams(s);
      challenges.push({ scheme, params, headerIndex, offset });
    }
    return { challenges };
  } catch (error) {
    if (error instanceof DigestError) return { challenges, error };
    throw error;
  }
}
