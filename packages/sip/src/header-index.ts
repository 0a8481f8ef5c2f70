import { compactFormOf, headerKey } from "./header-name.js";
import { isLws, isTokenChar } from "./sip-grammar.js";

/** One header field: the name as on the wire and the value unfolded (RFC 3261 §7.3.1) and trimmed. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * Per parsed field, TWO small integers (three took 24 bytes; one packed double made every lookup divide): the name's
 * start offset and length (255 = "255 or more", then measured again) as `nameStart << 8 | nameLength`, and the value's
 * end offset and a "folded" bit as `valueEnd << 1 | folded`. Both stay below 2^30 (V8 small integers, decoded with
 * shifts and masks) while offsets stay below {@link MAX_INDEXED_HEAD}.
 */
const NAME_LENGTH_SCAN = 255;

/** A header value as a range of a text (see {@link HeaderIndex.valueRange}); filled in place. */
export interface ValueRange {
  text: string;
  start: number;
  end: number;
}

const scratchRange: ValueRange = { text: "", start: 0, end: 0 };

/** The longest head (in UTF-16 units) whose fields the index can number: 4 MiB, far above any SIP limit. */
export const MAX_INDEXED_HEAD = 2 ** 22 - 1;

/** The first number {@link HeaderIndex.fromHead} keeps for a parsed field: where its name lies. */
export function packName(nameStart: number, nameEnd: number): number {
  return (nameStart << 8) | Math.min(nameEnd - nameStart, NAME_LENGTH_SCAN);
}

/** The second number {@link HeaderIndex.fromHead} keeps for a parsed field: where its value ends, folded or not. */
export function packValueEnd(valueEnd: number, folded: boolean): number {
  return (valueEnd << 1) | (folded ? 1 : 0);
}

/**
 * The header fields of one message, in wire order. A parsed message keeps only its head and one number per field
 * ({@link packName}, {@link packValueEnd}): a name or a value becomes a string only when it is read (and again at each read: no cache
 * array per message), and a lookup compares the names in place (case-insensitively, with the compact forms of
 * RFC 3261 §7.3.3), so a response of which only Via, CSeq and Call-ID are read allocates nothing more.
 */
export class HeaderIndex {
  /** Only for fields given by value; a parsed message's index has none (one field, not three, on every parse). */
  private readonly given: GivenFields | undefined;
  private readonly head: string;
  /** The span block this index's numbers lie in ({@link SpanWriter}); field `i` at `base + 2 * i`. */
  private readonly spans: Int32Array;
  private readonly base: number;
  private readonly count: number;
  private fieldList: readonly HeaderField[] | undefined;

  private constructor(count: number, given: GivenFields | undefined, head: string, spans: Int32Array, base: number) {
    this.count = count;
    this.given = given;
    this.head = head;
    this.spans = spans;
    this.base = base;
    this.fieldList = undefined;
  }

  /** An index over fields given by value (messages built by the application). */
  static fromFields(fields: readonly HeaderField[]): HeaderIndex {
    const n = fields.length;
    const names = new Array<string>(n);
    const keys = new Array<string>(n);
    const values = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      names[i] = f.name;
      keys[i] = headerKey(f.name);
      values[i] = f.value;
    }
    return new HeaderIndex(n, { names, keys, values }, "", NO_SPANS, 0);
  }

  /**
   * An index over a parsed head whose `count` fields' numbers ({@link packName}, {@link packValueEnd}) the parser
   * wrote at `w.block[w.at, w.at + 2 * count)` ({@link beginSpans}); they are kept there (the index keeps no array
   * of its own). The value starts after the ":" that follows the name and the LWS after it, and is unfolded when the
   * field's "folded" bit is set.
   */
  static fromHead(head: string, w: SpanWriter, count: number): HeaderIndex {
    commitSpans(w, 2 * count);
    return new HeaderIndex(count, undefined, head, w.block, w.at);
  }

  /** The index of a message without header fields. */
  static empty(): HeaderIndex {
    return new HeaderIndex(0, undefined, "", NO_SPANS, 0);
  }

  get length(): number {
    return this.count;
  }

  name(i: number): string {
    if (this.given !== undefined) return this.given.names[i]!;
    const start = this.spans[this.base + 2 * i]! >>> 8;
    return this.head.slice(start, start + this.nameLength(i));
  }

  key(i: number): string {
    return this.given === undefined ? headerKey(this.name(i)) : this.given.keys[i]!;
  }

  value(i: number): string {
    if (this.given !== undefined) return this.given.values[i]!;
    const head = this.head;
    const packed = this.spans[this.base + 2 * i + 1]!;
    const folded = (packed & 1) === 1;
    const end = packed >>> 1;
    // The name is followed by optional SP/HTAB and ":" (checked by the parser), then LWS up to the value.
    let start = head.indexOf(":", (this.spans[this.base + 2 * i]! >>> 8) + this.nameLength(i)) + 1;
    while (start < end && isLws(head.charCodeAt(start))) start++;
    const raw = head.slice(start, end);
    return folded ? unfold(raw) : raw;
  }

  /**
   * Where the value of field `i` lies, without making it a string: a plain parsed value is `head[start, end)`; a
   * folded one (unfolded first) or one given by value is the whole of its own string.
   */
  valueRange(i: number, out: ValueRange): void {
    if (this.given === undefined) {
      const packed = this.spans[this.base + 2 * i + 1]!;
      if ((packed & 1) === 0) {
        const head = this.head;
        const end = packed >>> 1;
        let start = head.indexOf(":", (this.spans[this.base + 2 * i]! >>> 8) + this.nameLength(i)) + 1;
        while (start < end && isLws(head.charCodeAt(start))) start++;
        out.text = head;
        out.start = start;
        out.end = end;
        return;
      }
    }
    const value = this.value(i);
    out.text = value;
    out.start = 0;
    out.end = value.length;
  }

  /** Position of the first field with this lookup key at or after `from`, or -1. */
  indexOf(key: string, from = 0): number {
    const given = this.given;
    const n = this.count;
    if (given !== undefined) {
      const keys = given.keys;
      for (let i = from; i < n; i++) if (keys[i] === key) return i;
      return -1;
    }
    const head = this.head;
    const spans = this.spans;
    const base = this.base;
    const compact = compactFormOf(key);
    const keyLength = key.length;
    for (let i = from; i < n; i++) {
      const packed = spans[base + 2 * i]!;
      const s = packed >>> 8;
      let len = packed & 0xff;
      if (len === NAME_LENGTH_SCAN) len = this.nameLength(i);
      if (len === keyLength ? equalsLower(head, s, key) : len === 1 && (head.charCodeAt(s) | 0x20) === compact) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the first field of `name` has exactly the value `expected` (`first(name) === expected`, in place). */
  firstIs(name: string, expected: string): boolean {
    const i = this.indexOf(headerKey(name));
    if (i < 0) return false;
    const r = scratchRange;
    this.valueRange(i, r);
    const result = r.end - r.start === expected.length && r.text.startsWith(expected, r.start);
    r.text = "";
    return result;
  }

  first(name: string): string | undefined {
    const i = this.indexOf(headerKey(name));
    return i < 0 ? undefined : this.value(i);
  }

  /** Every value of `name`, in an array of exactly their number (one lookup pass to count, one to fill). */
  all(name: string): string[] {
    const key = headerKey(name);
    const first = this.indexOf(key);
    if (first < 0) return [];
    const second = this.indexOf(key, first + 1);
    if (second < 0) return [this.value(first)];
    let n = 2;
    for (let i = this.indexOf(key, second + 1); i >= 0; i = this.indexOf(key, i + 1)) n++;
    const out = new Array<string>(n);
    let k = 0;
    for (let i = first; i >= 0; i = this.indexOf(key, i + 1)) out[k++] = this.value(i);
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

  /** The length of parsed field `i`'s name (measured again when it is 255 or more: a token up to the SP/HTAB/":"). */
  private nameLength(i: number): number {
    const packed = this.spans[this.base + 2 * i]!;
    const len = packed & 0xff;
    if (len < NAME_LENGTH_SCAN) return len;
    const head = this.head;
    const start = packed >>> 8;
    let end = start + len;
    while (end < head.length && isTokenChar(head.charCodeAt(end))) end++;
    return end - start;
  }
}

/** The fields of an index built from fields given by value: names as given, lookup keys, values. */
interface GivenFields {
  readonly names: readonly string[];
  readonly keys: readonly string[];
  readonly values: readonly string[];
}

const NO_SPANS = new Int32Array(0);

/**
 * The span store: parsed messages' field numbers, written by the parser one message after the other straight into
 * shared blocks of {@link SPAN_BLOCK} 32-bit integers (off the JavaScript heap), so a parse allocates no array of its
 * own (an exact-size array of 14 small integers, for a 7-field REGISTER 200, was ~160 bytes of young generation per
 * message; packages/sip/README.md, "Field numbers off the heap"). A block lives as long as any index that
 * points into it: a message kept for long keeps at most one block (16 KiB) alive. A head with more fields than fit
 * in a quarter block moves to an array of its own (doubling as it grows).
 */
const SPAN_BLOCK = 4096;
let spanBlock = new Int32Array(SPAN_BLOCK);
let spanUsed = 0;

/** Where the parser writes the numbers of the head it is reading: `block[at, …)`. */
export interface SpanWriter {
  block: Int32Array;
  at: number;
}

const writer: SpanWriter = { block: spanBlock, at: 0 };

/** Starts writing a head's numbers at the free end of the shared block (nothing is reserved until committed). */
export function beginSpans(): SpanWriter {
  writer.block = spanBlock;
  writer.at = spanUsed;
  return writer;
}

/**
 * Room for two more numbers after the `written` ones at `w.at`: those move to the start of a fresh shared block, or
 * of an array of their own once they need more than a quarter of a block.
 */
export function growSpans(w: SpanWriter, written: number): void {
  const need = written + 2;
  const own = need > SPAN_BLOCK / 4;
  const next = new Int32Array(own ? Math.max(2 * need, SPAN_BLOCK) : SPAN_BLOCK);
  for (let k = 0; k < written; k++) next[k] = w.block[w.at + k]!;
  if (!own) {
    spanBlock = next;
    spanUsed = 0;
  }
  w.block = next;
  w.at = 0;
}

/** The head parsed: its `n` numbers at `w.at` are kept (the shared block's free end moves past them). */
function commitSpans(w: SpanWriter, n: number): void {
  if (w.block === spanBlock) spanUsed = w.at + n;
}

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
