import { isLws, isTokenChar, skipLws } from "./sip-grammar.js";
import { SipParseError } from "./sip-parse-error.js";

/**
 * Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string (RFC 3261 §25.1), with LWS allowed around ";" and "=".
 *
 * Names are stored in lower case (parameter names are case-insensitive). Values are kept as written: a quoted-string
 * keeps its quotes (use {@link unquote}); a name without "=" maps to `null`. The first of repeated names wins.
 */
export interface ParamScan {
  readonly params: Map<string, string | null>;
  /** Offset of the first character not consumed (end of text, or a "," when `stopAtComma`). */
  readonly end: number;
}

export function scanParams(text: string, from: number, end: number, stopAtComma: boolean): ParamScan {
  const params = new Map<string, string | null>();
  let i = skipLws(text, from, end);
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x2c && stopAtComma) break;
    if (c !== 0x3b) throw new SipParseError("expected ';' before a parameter", text, i);
    i = skipLws(text, i + 1, end);
    const nameStart = i;
    while (i < end && isTokenChar(text.charCodeAt(i))) i++;
    if (i === nameStart) throw new SipParseError("empty parameter name", text, i);
    const name = text.slice(nameStart, i).toLowerCase();
    i = skipLws(text, i, end);
    let value: string | null = null;
    if (i < end && text.charCodeAt(i) === 0x3d) {
      i = skipLws(text, i + 1, end);
      const valueStart = i;
      if (i < end && text.charCodeAt(i) === 0x22) {
        i = endOfQuoted(text, i, end);
      } else {
        while (i < end) {
          const d = text.charCodeAt(i);
          if (isLws(d) || d === 0x3b || d === 0x2c || d === 0x22) break;
          i++;
        }
      }
      if (i === valueStart) throw new SipParseError("empty parameter value", text, i);
      value = text.slice(valueStart, i);
      i = skipLws(text, i, end);
    }
    if (!params.has(name)) params.set(name, value);
  }
  return { params, end: i };
}

/** Offset just after the closing quote of the quoted-string starting at `from` (quoted-pair aware). */
export function endOfQuoted(text: string, from: number, end: number): number {
  let i = from + 1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      i += 2;
      continue;
    }
    if (c === 0x22) return i + 1;
    i++;
  }
  throw new SipParseError("unterminated quoted-string", text, from);
}

/** The content of a quoted-string with quoted-pairs resolved; other text is returned unchanged. */
export function unquote(value: string): string {
  if (value.length < 2 || value.charCodeAt(0) !== 0x22 || value.charCodeAt(value.length - 1) !== 0x22) return value;
  let out = "";
  const last = value.length - 1;
  let runStart = 1;
  for (let i = 1; i < last; i++) {
    if (value.charCodeAt(i) === 0x5c && i + 1 < last) {
      out += value.slice(runStart, i) + value[i + 1];
      i++;
      runStart = i + 1;
    }
  }
  return out + value.slice(runStart, last);
}

/** Case-insensitive parameter lookup: `undefined` if absent, `null` if present without a value. */
export function headerParam(p: ReadonlyMap<string, string | null>, name: string): string | null | undefined {
  const direct = p.get(name);
  if (direct !== undefined || p.has(name)) return direct;
  const lower = name.toLowerCase();
  if (lower !== name) {
    const v = p.get(lower);
    if (v !== undefined || p.has(lower)) return v;
  }
  for (const [k, v] of p) if (k.toLowerCase() === lower) return v;
  return undefined;
}
