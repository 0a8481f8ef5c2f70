import { headerKey } from "./header-name.js";

/** One header field: the name as on the wire and the value unfolded (RFC 3261 §7.3.1) and trimmed. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * The header fields of one message, in wire order. A parsed message keeps offsets into its head and turns a value
 * into a string only when it is read, so a response of which only Via, CSeq and Call-ID are read costs no more.
 */
export class HeaderIndex {
  private readonly names: string[];
  private readonly keys: string[];
  private readonly values: Array<string | undefined>;
  private readonly head: string;
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly folded: boolean[];
  private fieldList: readonly HeaderField[] | undefined;

  private constructor(
    names: string[],
    keys: string[],
    values: Array<string | undefined>,
    head: string,
    starts: number[],
    ends: number[],
    folded: boolean[],
  ) {
    this.names = names;
    this.keys = keys;
    this.values = values;
    this.head = head;
    this.starts = starts;
    this.ends = ends;
    this.folded = folded;
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
    return new HeaderIndex(names, keys, values, "", [], [], []);
  }

  /** An index over a parsed head: value i is `head.slice(starts[i], ends[i])`, unfolded if `folded[i]`. */
  static fromHead(
    head: string,
    names: string[],
    keys: string[],
    starts: number[],
    ends: number[],
    folded: boolean[],
  ): HeaderIndex {
    return new HeaderIndex(names, keys, new Array<string | undefined>(names.length), head, starts, ends, folded);
  }

  get length(): number {
    return this.names.length;
  }

  name(i: number): string {
    return this.names[i]!;
  }

  key(i: number): string {
    return this.keys[i]!;
  }

  value(i: number): string {
    const v = this.values[i];
    if (v !== undefined) return v;
    const raw = this.head.slice(this.starts[i], this.ends[i]);
    const value = this.folded[i] ? unfold(raw) : raw;
    this.values[i] = value;
    return value;
  }

  /** Position of the first field with this lookup key, or -1. */
  indexOf(key: string): number {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  first(name: string): string | undefined {
    const i = this.indexOf(headerKey(name));
    return i < 0 ? undefined : this.value(i);
  }

  all(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.value(i));
    return out;
  }

  fields(): readonly HeaderField[] {
    if (this.fieldList === undefined) {
      const list: HeaderField[] = [];
      for (let i = 0; i < this.names.length; i++)
        list.push(Object.freeze({ name: this.names[i]!, value: this.value(i) }));
      this.fieldList = Object.freeze(list);
    }
    return this.fieldList;
  }
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
