/**
 * The `host` of a SIP URI or of a socket spec (RFC 3261 §25.1: `host = hostname / IPv4address / IPv6reference`),
 * checked beyond the character set @uacreg/sip's URI parser enforces: no empty label, no label over 63 characters or
 * starting or ending with "-", a name of at most 253 characters, an all-numeric name only as a dotted quad of 0..255,
 * and a bracketed reference only around an IPv6 address (RFC 4291 §2.2 text forms). "_" is accepted in labels, as the
 * parser does (seen in the wild). Linear in the length of the text: it checks operator input, never a regex.
 */

const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * `undefined` when `host` is well formed, else why not (the host is quoted; it is never a secret). One pass over the
 * labels by index, no `split`: it runs for three or four URIs of every row loaded (a million at start-up).
 */
export function hostProblem(host: string): string | undefined {
  if (host.startsWith("[")) {
    return host.endsWith("]") && isIpv6(host.slice(1, -1)) ? undefined : `host "${host}" is not an IPv6 address`;
  }
  return nameProblemAt(host, 0, host.length);
}

/**
 * {@link hostProblem} for a host name or IPv4 address written at `text[from, to)` (not a bracketed IPv6 reference),
 * without cutting it out of the text: the host is sliced only to name it in a problem.
 */
export function nameProblemAt(text: string, from: number, to: number): string | undefined {
  // The name without one trailing dot (a fully qualified name).
  const end = to > from && text.charCodeAt(to - 1) === 0x2e ? to - 1 : to;
  if (end === from) return "host is empty";
  if (end - from > MAX_NAME) return `host is longer than ${MAX_NAME} characters`;
  let allDigits = true;
  let lastDigits = false;
  let labels = 0;
  for (let start = from; start <= end; ) {
    let stop = text.indexOf(".", start);
    if (stop < 0 || stop > end) stop = end;
    const problem = labelProblem(text, start, stop);
    if (problem !== undefined) return `host "${text.slice(from, to)}" ${problem}`;
    lastDigits = isDigitsAt(text, start, stop);
    allDigits &&= lastDigits;
    labels++;
    start = stop + 1;
  }
  if (allDigits) {
    return isIpv4At(text, from, end, labels)
      ? undefined
      : `host "${text.slice(from, to)}" is not an IPv4 address (four numbers 0..255)`;
  }
  // RFC 3261 §25.1 `toplabel` starts with a letter: an all-numeric last label is a mistyped address, not a name.
  if (lastDigits) return `host "${text.slice(from, to)}" is neither an IPv4 address nor a name`;
  return undefined;
}

/**
 * Whether {@link nameProblemAt} finds no problem in `text[from, to)`, in one pass over the characters instead of
 * one per rule (the labels, their digits, the dotted quad): the URIs of every row loaded are checked with it (a
 * million at start-up), and the problem is named by {@link nameProblemAt} only for a host this refuses.
 */
export function isValidNameAt(text: string, from: number, to: number): boolean {
  const end = to > from && text.charCodeAt(to - 1) === 0x2e ? to - 1 : to;
  if (end === from || end - from > MAX_NAME) return false;
  let labels = 0;
  let allDigits = true;
  let lastDigits = false;
  let quad = true; // every label so far of 1 to 3 digits and at most 255
  let start = from;
  let digits = true;
  let value = 0;
  for (let i = from; i <= end; i++) {
    const c = i === end ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      const length = i - start;
      if (length === 0 || length > MAX_LABEL) return false;
      if (text.charCodeAt(start) === 0x2d || text.charCodeAt(i - 1) === 0x2d) return false;
      labels++;
      if (!digits) allDigits = false;
      else if (length > 3 || value > 255) quad = false;
      lastDigits = digits;
      start = i + 1;
      digits = true;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
    } else {
      if (!isLabelChar(c)) return false;
      digits = false;
    }
  }
  // All numeric: a dotted quad only; else the last label is not all digits (RFC 3261 §25.1 `toplabel`).
  return allDigits ? labels === 4 && quad : !lastDigits;
}

/** The problem of the label `host[start, stop)`, if any. */
function labelProblem(host: string, start: number, stop: number): string | undefined {
  if (stop === start) return "has an empty label";
  if (stop - start > MAX_LABEL) return `has a label longer than ${MAX_LABEL} characters`;
  if (host.charCodeAt(start) === 0x2d || host.charCodeAt(stop - 1) === 0x2d) {
    return 'has a label starting or ending with "-"';
  }
  for (let i = start; i < stop; i++) {
    if (!isLabelChar(host.charCodeAt(i))) return `has a bad character "${host[i]}"`;
  }
  return undefined;
}

function isLabelChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
}

function isDigitsAt(text: string, start: number, stop: number): boolean {
  if (stop === start) return false;
  for (let i = start; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** `text[from, end)` made of `labels` non-empty digit labels: four of them, each of 1 to 3 digits and at most 255. */
function isIpv4At(text: string, from: number, end: number, labels: number): boolean {
  if (labels !== 4) return false;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= end; i++) {
    if (i === end || text.charCodeAt(i) === 0x2e) {
      if (digits === 0 || digits > 3 || value > 255) return false;
      value = 0;
      digits = 0;
    } else {
      value = value * 10 + (text.charCodeAt(i) - 0x30);
      digits++;
    }
  }
  return true;
}

function isHex(text: string): boolean {
  if (text.length < 1 || text.length > 4) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** A dotted quad, each part 1 to 3 digits and at most 255 (RFC 3261 §25.1 `IPv4address`). */
export function isIpv4(text: string): boolean {
  let labels = 0;
  for (let start = 0; start <= text.length; ) {
    let stop = text.indexOf(".", start);
    if (stop < 0) stop = text.length;
    if (!isDigitsAt(text, start, stop)) return false;
    labels++;
    start = stop + 1;
  }
  return isIpv4At(text, 0, text.length, labels);
}

/** RFC 4291 §2.2: eight groups of 1..4 hex digits, one "::" for a run of zero groups, a dotted quad as the last two. */
export function isIpv6(text: string): boolean {
  let s = text;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return false;
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIpv4(tail)) return false;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const gap = s.indexOf("::");
  if (gap < 0) return s.split(":").every(isHex) && s.split(":").length === 8;
  if (s.indexOf("::", gap + 1) >= 0) return false;
  const left = s.slice(0, gap);
  const right = s.slice(gap + 2);
  const groups = [...(left === "" ? [] : left.split(":")), ...(right === "" ? [] : right.split(":"))];
  return groups.length <= 7 && groups.every(isHex);
}
