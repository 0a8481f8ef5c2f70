import { compactFormOf, headerKey } from "./header-name.js";
import { isLws } from "./sip-grammar.js";

/** One header field: the name as on the wire and the value unfolded (RFC 3261 §7.3.1) and trimmed. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** Per parsed field, three offsets into the head: name start, name end, value end (`~end` if folded). */
const SPAN = 3;

/**
 * The header fields of one message, in wire order. A parsed message keeps only offsets into its head: a name or a
 * value becomes a string only when it is read, and a lookup compares the names in place (case-insensitively, with the
 * compact forms of RFC 3261 §7.3.3), so a response of which only Via, CSeq and Call-ID are read allocates no more.
 */
export class HeaderIndex {
  /** Names as on the wire; for a parsed head, filled lazily. */
  private names: Array<string | undefined> | undefined;
  /** Lookup keys; only for fields given by value. */
  private readonly keys: string[] | undefined;
  /** Values; for a parsed head, filled lazily. */
  private values: Array<string | undefined> | undefined;
  private readonly head: string;
  private readonly spans: readonly number[];
  private readonly count: number;
  private fieldList: readonly HeaderField[] | undefined;

  private constructor(
    count: number,
    names: Array<string | undefined> | undefined,
    keys: string[] | undefined,
    values: Array<string | undefined> | undefined,
    head: string,
    spans: readonly number[],
  ) {
    this.count = count;
    this.names = names;
    this.keys = keys;
    this.values = values;
    this.head = head;
    this.spans = spans;
    this.fieldList = undefined;
  }

  /** An index over fields given by value (messages built by the application). */
  static fromFields(fields: readonly HeaderField[]): HeaderIndex {
    const n = fields.length;
    const names = new Array<string>(n);
    const keys = new Array<string>(n);
    const values = new Array<string | undefined>(n);
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      names[i] = f.name;
      keys[i] = headerKey(f.name);
      values[i] = f.value;
    }
    return new HeaderIndex(n, names, keys, values, "", NO_SPANS);
  }

  /**
   * An index over a parsed head. `spans` holds three offsets per field: the name is `head.slice(spans[3i],
   * spans[3i+1])`; the value ends at `e = spans[3i+2]` (or at `~e`, and is unfolded, when that is negative) and starts
   * after the ":" that follows the name and the LWS after it.
   */
  static fromHead(head: string, spans: readonly number[]): HeaderIndex {
    return new HeaderIndex(spans.length / SPAN, undefined, undefined, undefined, head, spans);
  }

  get length(): number {
    return this.count;
  }

  name(i: number): string {
    let names = this.names;
    if (names === undefined) {
      names = new Array<string | undefined>(this.count);
      this.names = names;
    }
    const n = names[i];
    if (n !== undefined) return n;
    const name = this.head.slice(this.spans[i * SPAN], this.spans[i * SPAN + 1]);
    names[i] = name;
    return name;
  }

  key(i: number): string {
    return this.keys === undefined ? headerKey(this.name(i)) : this.keys[i]!;
  }

  value(i: number): string {
    let values = this.values;
    if (values === undefined) {
      values = new Array<string | undefined>(this.count);
      this.values = values;
    }
    const v = values[i];
    if (v !== undefined) return v;
    const head = this.head;
    const stored = this.spans[i * SPAN + 2]!;
    const end = stored >= 0 ? stored : ~stored;
    // The name is followed by optional SP/HTAB and ":" (checked by the parser), then LWS up to the value.
    let start = head.indexOf(":", this.spans[i * SPAN + 1]!) + 1;
    while (start < end && isLws(head.charCodeAt(start))) start++;
    const raw = head.slice(start, end);
    const value = stored >= 0 ? raw : unfold(raw);
    values[i] = value;
    return value;
  }

  /** Position of the first field with this lookup key at or after `from`, or -1. */
  indexOf(key: string, from = 0): number {
    const keys = this.keys;
    const n = this.count;
    if (keys !== undefined) {
      for (let i = from; i < n; i++) if (keys[i] === key) return i;
      return -1;
    }
    const head = this.head;
    const spans = this.spans;
    const compact = compactFormOf(key);
    for (let i = from; i < n; i++) {
      const s = spans[i * SPAN]!;
      const len = spans[i * SPAN + 1]! - s;
      if (len === key.length ? equalsLower(head, s, key) : len === 1 && (head.charCodeAt(s) | 0x20) === compact) {
        return i;
      }
    }
    return -1;
  }

  first(name: string): string | undefined {
    const i = this.indexOf(headerKey(name));
    return i < 0 ? undefined : this.value(i);
  }

  all(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = this.indexOf(key); i >= 0; i = this.indexOf(key, i + 1)) out.push(this.value(i));
    return out;
  }

  fields(): readonly HeaderField[] {
    if (this.fieldList === undefined) {
      const list: HeaderField[] = [];
      for (let i = 0; i < this.count; i++) list.push(Object.freeze({ name: this.name(i), value: this.value(i) }));
      this.fieldList = Object.freeze(list);
    }
    return this.fieldList;
  }
}

const NO_SPANS: readonly number[] = [];

/** Whether `text[from, from + lower.length)` equals the lower-case `lower`, ignoring ASCII case. */
export function equalsLower(text: string, from: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = text.charCodeAt(from + k);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * RFC 3261 §7.3.1: a line break followed by whitespace is a continuation; the line break and the leading whitespace
 * of the continuation become a single SP. Trailing whitespace is dropped (the value is trimmed).
 */
function unfold(raw: string): string {
  let out = "";
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const lf = raw.indexOf("\n", i);
    if (lf < 0) {
      out += raw.slice(i);
      break;
    }
    let lineEnd = lf;
    if (lineEnd > i && raw.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    let segEnd = lineEnd;
    while (segEnd > i && (raw.charCodeAt(segEnd - 1) === 0x20 || raw.charCodeAt(segEnd - 1) === 0x09)) segEnd--;
    out += raw.slice(i, segEnd);
    let j = lf + 1;
    while (j < n && (raw.charCodeAt(j) === 0x20 || raw.charCodeAt(j) === 0x09)) j++;
    if (out.length > 0 && j < n) out += " ";
    i = j;
  }
  return out;
}
